"""Work spread over xdist workers from the plan (lib/suite/assign.py): the paper world's planned critical path is
within 1.2x of total / workers at -n 4, where grouping per checkpoint puts it above 3x."""
from __future__ import annotations

import pytest

from jepa_claims.conventions import Conventions
from jepa_claims.suite.assign import critical_path, longest_first, per_checkpoint, plan_groups, unit_blocks, unit_of_test
from jepa_claims.suite.work import census_rows, world_rows
from jepa_claims.worlds.world import toy_world


@pytest.fixture(scope="module")
def paper_costs() -> dict:
    """Block evaluations per unit of the paper world's whole plan (no weight loaded)."""
    return unit_blocks(census_rows("paper"))


def test_the_paper_plan_at_four_workers_is_within_1_2x_of_even(paper_costs):
    """Longest first over the units: the busiest worker within 1.2x of total / 4; per checkpoint it is not."""
    planned = critical_path(paper_costs, longest_first(paper_costs, 4), 4)
    grouped = critical_path(paper_costs, per_checkpoint(paper_costs, 4), 4)
    assert planned["total"] == grouped["total"] == sum(r["computed"] for r in census_rows("paper"))
    assert planned["ratio"] <= 1.2 < grouped["ratio"]
    assert grouped["busiest"] == sum(b for (_, checkpoint, _), b in paper_costs.items() if checkpoint == "ijepa_1k")


def test_the_untrained_seeds_and_conventions_are_units_of_their_own(paper_costs):
    """P1's and P3's tables of the main cell are costed apart from the cell's own (they are other tests' work)."""
    assert {("", "ijepa_1k", "8x3"), ("P1", "ijepa_1k", "8x3"), ("P3", "ijepa_1k", "8x3")} <= set(paper_costs)
    assert unit_of_test("P1", "ijepa_1k", "8x3") == ("P1", "ijepa_1k", "8x3")
    assert unit_of_test("P7", "ijepa_1k", "8x3") == unit_of_test(None, "ijepa_1k", "8x3") == ("", "ijepa_1k", "8x3")


def test_longest_first_places_every_unit_alike_in_every_process():
    """The same costs give the same placement (ties by name), the largest unit first on worker 0."""
    costs = {("", "a", "1"): 5, ("", "b", "1"): 5, ("P1", "a", "1"): 9, ("", "c", "2"): 1}
    placed = longest_first(costs, 2)
    assert placed == longest_first(dict(reversed(costs.items())), 2)
    assert placed[("P1", "a", "1")] == 0 and placed[("", "a", "1")] == placed[("", "b", "1")] == 1  # 5 + 5 < 9 + 5
    assert placed[("", "c", "2")] == 0
    assert critical_path(costs, placed, 2)["busiest"] == 10
    with pytest.raises(ValueError):
        longest_first(costs, 0)


def test_plan_groups_name_a_group_per_worker_for_a_world_the_census_knows(tmp_path):
    """The toy world's units go to groups worker0..worker3; a world the census cannot cost keeps per checkpoint."""
    rows = world_rows(toy_world(tmp_path), Conventions(), 3)
    assert set(plan_groups(rows, 4).values()) == {f"worker{i}" for i in range(4)}
    assert world_rows(type("W", (), {"name": "trained"})(), Conventions(), 3) is None


def test_the_census_reports_the_planned_critical_path():
    """`jepa-claims census` ends with the critical path at -n 4, per checkpoint and as assigned."""
    from jepa_claims.suite.work import census_markdown

    lines = census_markdown(census_rows("paper"))
    assert lines[-2].startswith("| **critical path, -n 4** | per checkpoint |") and lines[-2].endswith("| 3.22x |")
    assert lines[-1].startswith("| **critical path, -n 4** | as assigned |") and lines[-1].endswith("| 1.01x |")


@pytest.mark.slow
def test_claim_tests_run_in_the_groups_of_their_units(tmp_path):
    """Under -n 2 --dist loadgroup the claim tests carry worker groups (the plan's), not their checkpoint's."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "pytest", "claims/test_c13_token_budgets.py", "--world", "toy", "-n", "2",
                           "-v", "-p", "no:cacheprovider", "--cache-dir", str(tmp_path), "--html", str(tmp_path / "r.html")],
                          cwd=root, capture_output=True, text=True, timeout=600)
    ran = [line for line in done.stdout.splitlines() if line.startswith("[gw") and "::" in line]
    assert ran and all("@worker" in line for line in ran), done.stdout[-2000:]
