"""The world banner of the record: what world ran when it is not the paper's, its toy variants, its training."""
from __future__ import annotations

from html import escape

from jepa_claims.record.markup import num


def banner(record: dict, images: dict | None = None) -> str:
    """The world banner (toy or any world that is not the paper's), with what a trained world trained."""
    world = record["world"]
    if world.get("name") == "paper" or not world.get("banner"):
        return ""
    text = escape(world["banner"])
    text = text.replace("`jepa-claims fetch", "<code>jepa-claims fetch").replace("`pytest", "<code>pytest").replace("`", "</code>")
    return (f'<div id="world-banner" role="alert">{text}</div>{variant_table(world.get("variants") or [])}'
            f'{training_table(world.get("training") or [], images or {})}')


def training_table(rows: list[dict], images: dict) -> str:
    """The trained world's encoders: objective, steps, wall time, loss, weights hash, and each loss curve."""
    if not rows:
        return ""
    body = ""
    for i, r in enumerate(rows):
        at = ("world", "training", i)
        body += (f'<tr><td>{escape(r["key"])}</td><td colspan="5">not in the cache: not trained yet</td></tr>' if not r["trained"] else
                 f'<tr><td>{escape(r["key"])}</td><td>{escape(r["objective"])} (<code>{escape(r["architecture"])}</code>)</td>'
                 f'<td>{num(r["steps"], at + ("steps",), "i")} steps, {num(r["images_seen"], at + ("images_seen",), "i")} images</td>'
                 f'<td>{num(r["seconds"], at + ("seconds",), "g")} s</td><td>{num(r["first_loss"], at + ("first_loss",))} &rarr; '
                 f'{num(r["last_loss"], at + ("last_loss",))}</td><td><code>{escape(r["weights_sha256"][:16])}</code></td></tr>')
    curves = "".join(f'<img alt="loss curve of {escape(r["key"])}" src="data:image/png;base64,{images[key]}">'
                     for r in rows if (key := f'training:{r["key"]}') in images)
    return ('<div id="training"><table><thead><tr><th>checkpoint</th><th>objective</th><th>trained for</th><th>wall time</th>'
            f'<th>loss first &rarr; last step</th><th>weights sha256</th></tr></thead><tbody>{body}</tbody></table>{curves}</div>')


def variant_table(rows: list[dict]) -> str:
    """Which negative toy breaks which claim (checked by tests/test_toy_world.py, not by this run)."""
    if not rows:
        return ""
    body = "".join(f'<tr><td><code>{escape(r["variant"])}</code></td><td>{escape(", ".join(r["breaks"]))}</td>'
                   f'<td>{escape(r["how"])}</td></tr>' for r in rows)
    return ('<details id="toy-variants"><summary>Toy variants: which negative toy breaks which claim '
            '(every claim passes on the positive toy above and fails on its variant: tests/test_toy_world.py)</summary>'
            '<table><thead><tr><th>variant</th><th>breaks</th><th>how</th></tr></thead>'
            f'<tbody>{body}</tbody></table></details>')
