"""Probe P7 in the record: the late attention heads x blocks, which carry the triple's gain over the pair.

Read from the probe's recorded rows (claims/test_p7_heads.py records each head's numbers under
`measured.heads`); every number printed keeps its place in the record.
"""
from __future__ import annotations

from html import escape

from jepa_claims.record.markup import num

COLUMNS = (("alone", "alone", "g"), ("gain", "bottleneck + head - bottleneck", "s"),
           ("over_pair", "bottleneck + head - pair", "s"), ("ci_low", "95% CI low", "s"), ("ci_high", "95% CI high", "s"),
           ("p", "p", "p"), ("holm_p", "Holm p", "p"))


def _grid(heads: list[dict], at: tuple) -> str:
    """Blocks as rows, heads as columns: bottleneck + head - pair, a carrying head in bold."""
    blocks = list(dict.fromkeys(h["site"].split(".")[0] for h in heads))
    count = max(int(h["site"].rsplit("head", 1)[1]) for h in heads) + 1
    cells = {h["site"]: (j, h) for j, h in enumerate(heads)}
    body = ""
    for block in blocks:
        row = ""
        for head in range(count):
            j, h = cells[f"{block}.attn.head{head}"]
            text = num(h["over_pair"], at + (j, "over_pair"), "s")
            row += f'<td>{f"<b>{text}</b>" if h["carries"] else text}</td>'
        body += f"<tr><th>{escape(block)}.attn</th>{row}</tr>"
    header = "".join(f"<th>head {h}</th>" for h in range(count))
    return f'<table class="heads-grid"><thead><tr><th>block</th>{header}</tr></thead><tbody>{body}</tbody></table>'


def _listing(heads: list[dict], at: tuple) -> str:
    """Every head with all its numbers."""
    rows = "".join(f'<tr><td><code>{escape(h["site"])}</code></td>'
                   + "".join(f"<td>{num(h[key], at + (j, key), fmt)}</td>" for key, _, fmt in COLUMNS)
                   + f'<td>{"yes" if h["carries"] else "no"}</td></tr>' for j, h in enumerate(heads))
    header = "".join(f"<th>{escape(title)}</th>" for _, title, _ in COLUMNS)
    return (f'<details><summary>every head</summary><table><thead><tr><th>head</th>{header}<th>carries</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></details>")


def heads_table(probe: dict) -> str:
    """P7's heads x blocks for each cell it ran on (nothing where no row recorded heads)."""
    out = []
    for i, row in enumerate(probe["rows"]):
        heads = (row.get("measured") or {}).get("heads")
        if not heads:
            continue
        at = ("probes", probe["id"], "rows", i, "measured", "heads")
        out.append(f'<div class="heads" id="p7-heads-{escape(str(row.get("checkpoint")))}-{escape(str(row.get("slice")))}">'
                   f'<p>{escape(str(row.get("checkpoint")))} / {escape(str(row.get("slice")))}: mean late context rescue of the '
                   "bottleneck with one head minus the MLP-only pair's, per late attention head (bold: the head carries the "
                   f"triple's gain over the pair, Holm over the heads at alpha 0.05)</p>{_grid(heads, at)}{_listing(heads, at)}</div>")
    return "".join(out)
