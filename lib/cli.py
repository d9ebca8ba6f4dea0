"""Command line: `jepa-claims measure` exports tidy tables; `jepa-claims fetch` gets checkpoints and data;
`jepa-claims train` trains the trained world's encoders; `jepa-claims census` counts the block evaluations a world's
tables compute beside the least they need; `jepa-claims screenshot` takes the README's picture of a report;
`jepa-claims diff A.json B.json` says what changed between two records."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import get_args

from jepa_claims.conventions import READINGS, Background, Conventions
from jepa_claims.engine.hub import HUB_CACHE_HELP
from jepa_claims.engine.models import DTYPES


def _int_tuple(text: str) -> tuple[int, ...]:
    """'30,31' -> (30, 31)."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from error


def _batch_size(text: str) -> int | str:
    """'auto' or a positive integer."""
    if text == "auto":
        return text
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'auto', got {text!r}")
    return int(text)


def add_convention_arguments(parser: argparse.ArgumentParser) -> None:
    """Options for every field of Conventions."""
    defaults = Conventions()
    parser.add_argument("--layer-indexing", choices=list(READINGS), default=defaults.layer_indexing,
                        help="how the paper's layer numbers index the network (default: block_output)")
    parser.add_argument("--fill", choices=["black", "mean"], default=defaults.fill)
    parser.add_argument("--normalisation", choices=["processor", "imagenet"], default=defaults.normalisation)
    parser.add_argument("--trimap-object", choices=["pet+border", "pet"], default=defaults.trimap_object)
    parser.add_argument("--tau", type=float, default=defaults.tau, help="onset threshold, finite and above 0")
    parser.add_argument("--late-window", type=_int_tuple, default=None,
                        help="late layers in the chosen indexing (default: depth-2,depth-1, i.e. 30,31 at depth 32)")
    parser.add_argument("--background", choices=list(get_args(Background)), default=defaults.background,
                        help="zero-overlap background region (default: farthest; random averages several seeded draws)")
    parser.add_argument("--allow-inert-sites", action="store_true",
                        help="run a patch group with a site that cannot reach the measured layers (default: refuse)")


def conventions_from(args: argparse.Namespace) -> Conventions:
    """Conventions from parsed options."""
    return Conventions(layer_indexing=args.layer_indexing, fill=args.fill, normalisation=args.normalisation,
                       trimap_object=args.trimap_object, tau=args.tau, late_window=args.late_window,
                       allow_inert_sites=args.allow_inert_sites, background=args.background)


def build_parser() -> argparse.ArgumentParser:
    """The jepa-claims argument parser."""
    parser = argparse.ArgumentParser(prog="jepa-claims", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    measure = commands.add_parser("measure", help="write a tidy CSV of drift or rescue measurements")
    measure.add_argument("--checkpoint", required=True, help="hub id, local directory, or id in the HF cache")
    measure.add_argument("--revision", default=None,
                         help="commit sha or branch (default: the pinned revision of a paper checkpoint, else main)")
    measure.add_argument("--hf-cache", type=Path, default=None, help=HUB_CACHE_HELP)
    measure.add_argument("--offline", action="store_true", help="only use files already in the HF cache")
    measure.add_argument("--data-root", required=True, type=Path)
    measure.add_argument("--slice", required=True, help="slice name (4x3, 8x3, 12x3, 16x3, voc8x3) or manifest file")
    measure.add_argument("--skip-unreadable", action="store_true",
                         help="list unreadable images in the slice's manifest (and take the next eligible ones) instead of stopping")
    measure.add_argument("--protocol", required=True, choices=["drift", "rescue"])
    measure.add_argument("--sites", default=None, help="one patch group, e.g. 29.intermediate,30.attn.out,31.attn.out")
    measure.add_argument("--mode", choices=["context", "masked", "full"], default="context")
    measure.add_argument("--masks", default="object,background", help="mask families: object,background,bg_rect,rect")
    measure.add_argument("--device", default="cpu")
    measure.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    measure.add_argument("--batch-size", type=_batch_size, default="auto", help="mask jobs per chunk, or 'auto' (chosen from free memory)")
    measure.add_argument("--out", required=True, type=Path)
    add_convention_arguments(measure)
    from jepa_claims.claim.docs import add_catalogue_arguments
    from jepa_claims.data.fetch import add_fetch_arguments

    add_fetch_arguments(commands.add_parser("fetch", help="download checkpoints and data sets"))
    add_train_arguments(commands.add_parser("train", help="train the trained world's encoders into the cache (once)"))
    add_census_arguments(commands.add_parser("census", help="block evaluations each planned table computes, and the minimum"))
    add_catalogue_arguments(commands.add_parser("catalogue", help="write docs/claims.md from the claims (--check compares)"))
    shot = commands.add_parser("screenshot", help="a PNG of the top of a report (headless Chromium)")
    shot.add_argument("--html", type=Path, default=Path("reports/replication.html"))
    shot.add_argument("--out", type=Path, default=Path("reports/replication.png"))
    shot.add_argument("--width", type=int, default=1400)
    shot.add_argument("--height", type=int, default=1700)
    diff = commands.add_parser("diff", help="what changed between two records (stats_summary.json); exit 1 if anything did")
    diff.add_argument("a", type=Path, help="record A (a stats_summary.json)")
    diff.add_argument("b", type=Path, help="record B, compared with A")
    diff.add_argument("--html", type=Path, default=None, help="also write the diff as a standalone HTML page here")
    return parser


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `jepa-claims train`."""
    from jepa_claims.train.config import CONFIGS

    parser.add_argument("--cache-dir", type=Path, default=Path(".cache/jepa-claims"),
                        help="the suite's cache folder (pytest's --cache-dir): the run there finds them trained")
    parser.add_argument("--config", choices=sorted(CONFIGS), default="full",
                        help="full: the trained world's setting; small: a few steps of a tiny model (what CI trains)")


def add_census_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `jepa-claims census`."""
    from jepa_claims.suite.options import DEFAULT_UNTRAINED_SEEDS
    from jepa_claims.suite.work import WORLDS

    parser.add_argument("--world", choices=WORLDS, default="paper", help="whose plan (no weight is loaded)")
    parser.add_argument("--checkpoints", default=None, help="comma-separated checkpoint keys (default: all)")
    parser.add_argument("--slices", default=None, help="comma-separated slices (default: all)")
    parser.add_argument("--untrained-seeds", type=int, default=DEFAULT_UNTRAINED_SEEDS, help="P1's untrained seeds")
    parser.add_argument("--tables", action="store_true", help="a line per table, not only per checkpoint")
    add_convention_arguments(parser)


def run_census_command(args: argparse.Namespace) -> int:
    """The census command: computed and minimum block evaluations, per checkpoint (per table with --tables)."""
    from jepa_claims.suite.work import CensusOptions, census_markdown, census_rows

    split = lambda text: tuple(part for part in text.split(",") if part) if text else None
    options = CensusOptions(split(args.checkpoints), split(args.slices), conventions_from(args), args.untrained_seeds)
    lines = census_markdown(census_rows(args.world, options))
    print("\n".join(lines if args.tables else lines[:2] + [line for line in lines[2:] if line.startswith("| **")]))
    return 0


def run_train(args: argparse.Namespace) -> int:
    """The train command: each objective's encoder trained (or found in the cache), one line each."""
    from jepa_claims.suite.options import check_cache_dir
    from jepa_claims.train.config import CONFIGS
    from jepa_claims.train.loop import read_training
    from jepa_claims.worlds.trained import trained_checkpoints, trained_folder

    check_cache_dir(args.cache_dir)
    for spec in trained_checkpoints(CONFIGS[args.config]):
        folder = trained_folder(spec, args.cache_dir)
        info = read_training(folder)
        print(f"{spec.key}: {info['objective']} ({info['architecture']}), {info['steps']} steps in {info['seconds']:.0f} s, "
              f"loss {info['loss'][0]:.4f} -> {info['loss'][-1]:.4f}, weights sha256 {info['weights_sha256'][:16]}, {folder}")
    return 0


def write_csv_atomic(frame, path: Path) -> None:
    """Write a CSV so that a reader never sees a half-written file."""
    from jepa_claims.cache import write_atomic

    write_atomic(Path(path), frame.to_csv(index=False).encode())


def run_measure(args: argparse.Namespace) -> int:
    """The measure command."""
    from jepa_claims.suite.options import check_device, check_output_file, check_tau
    from jepa_claims.tables.export import measure_slice

    check_device(args.device)  # every option is checked before the checkpoint loads
    check_tau(args.tau)
    check_output_file(args.out)
    frame = measure_slice(
        checkpoint=args.checkpoint, revision=args.revision, offline=args.offline, data_root=args.data_root,
        slice_name=args.slice, protocol=args.protocol, sites=args.sites, mode=args.mode,
        masks=tuple(m for m in args.masks.split(",") if m), device=args.device, dtype=DTYPES[args.dtype],
        batch_size=args.batch_size, conv=conventions_from(args), skip_unreadable=args.skip_unreadable,
        hf_cache=args.hf_cache,
    )
    write_csv_atomic(frame, args.out)
    print(f"wrote {len(frame)} rows to {args.out}", file=sys.stderr)
    return 0


def run_diff(args: argparse.Namespace) -> int:
    """The diff command: the text on stdout (and the page with --html); 0 when nothing changed, 1 otherwise, like diff(1)."""
    from jepa_claims.record.diff import diff_files

    text, changed = diff_files(args.a, args.b, args.html)
    print(text)
    if args.html is not None:
        print(f"wrote {args.html}", file=sys.stderr)
    return int(changed)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the jepa-claims command."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "measure":
            return run_measure(args)
        if args.command == "train":
            return run_train(args)
        if args.command == "census":
            return run_census_command(args)
        if args.command == "catalogue":
            from jepa_claims.claim.docs import run_catalogue

            return run_catalogue(args)
        if args.command == "screenshot":
            from jepa_claims.record.screenshot import screenshot

            print(f"wrote {screenshot(args.html, args.out, args.width, args.height)}", file=sys.stderr)
            return 0
        if args.command == "diff":
            return run_diff(args)
        from jepa_claims.data.fetch import run_fetch

        return run_fetch(args)
    except (ValueError, OSError) as error:  # bad options, unreadable files, a full or read-only disk
        print(f"jepa-claims: error: {_one_line(error)}", file=sys.stderr)
        return 2


def _one_line(error: BaseException) -> str:
    """An error as one line; an OSError names its path."""
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    text = " ".join(str(error).split())
    return text or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
