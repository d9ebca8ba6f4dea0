"""The work census of the paper world: per table, the block evaluations it computes and the least it needs.

Counted, not timed (lib/suite/work.py: the plan of every claim and probe on every slice, P1's untrained
seeds included, the engine's accounting beside the minimum that counts every distinct run once across
tables, claims and probes). `jepa-claims census` prints the same table.
"""
from __future__ import annotations

import argparse
import sys

import common

TARGET_RATIO = 1.2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print the section, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    from jepa_claims.suite.work import census_markdown, census_rows, census_totals

    rows = census_rows("paper")
    total = census_totals(rows)
    verdict = "**met**" if total["ratio"] <= TARGET_RATIO else "**not met**"
    body = "\n".join([
        "## Work census of the paper world (issue 15)",
        "",
        f"Counted {common.stamp()} at commit {common.git_head()} with `{common.command_line()}` (no model runs: the plan "
        "and the engine's accounting).",
        "",
        "Every table the claims and probes read on every slice under the default conventions, P1's untrained seeds "
        "included. Computed: the block evaluations the engine runs for the table on a cold cache; minimum: the "
        "distinct runs it is the first table to need (a clean, masked or patched run shared with an earlier table "
        "counts there).",
        "",
        *census_markdown(rows),
        "",
        f"- Paper world's total work within {TARGET_RATIO}x of its census minimum: {total['computed']:,} against "
        f"{total['minimum']:,} block evaluations, {total['ratio']:.2f}x: {verdict}.",
        _critical_path(rows),
    ])
    return common.publish("bench_census", body, write=not args.no_write)


def _critical_path(rows: list[dict], workers: int = 4) -> str:
    """The bullet of issue 25's planned critical path: the busiest worker against total / workers, as assigned."""
    from jepa_claims.suite.assign import critical_path, longest_first, per_checkpoint, unit_blocks

    costs = unit_blocks(rows)
    planned = critical_path(costs, longest_first(costs, workers), workers)
    grouped = critical_path(costs, per_checkpoint(costs, workers), workers)
    verdict = "**met**" if planned["ratio"] <= TARGET_RATIO else "**not met**"
    return (f"- Planned critical path under `-n {workers}` within {TARGET_RATIO}x of total / {workers} (issue 25): "
            f"{planned['busiest']:,} block evaluations on the busiest worker against {planned['even']:,.0f}, "
            f"{planned['ratio']:.2f}x as the suite assigns tests (grouped per checkpoint: {grouped['ratio']:.2f}x): {verdict}.")


if __name__ == "__main__":
    sys.exit(main())
