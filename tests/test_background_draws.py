"""The random zero-overlap background: several seeded draws per image, each its own run, drift averaged per image.

engine/masks.py `background_draws` makes the draws, tables/draws.py `average_draws` folds them into one
"background" row per image and condition, and the census counts every draw's runs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jepa_claims.conventions import Conventions
from jepa_claims.engine.masks import BACKGROUND_RULES, RANDOM_DRAWS, background_draws, draw_count, mask_family, sample_masks
from jepa_claims.engine.runs import COUNTER
from jepa_claims.engine.tabulate import drift_table
from jepa_claims.tables.census import table_blocks
from jepa_claims.tables.draws import average_draws
from jepa_claims.tables.store import TableStore
from test_tables import world  # noqa: F401 - the tiny one-checkpoint world fixture

RANDOM = Conventions(background="random")


def _case() -> tuple[np.ndarray, np.ndarray]:
    """A 4 x 4 object near the centre of a 16 x 16 grid; every other token a zero-overlap candidate."""
    obj = np.zeros((16, 16), bool)
    obj[6:10, 5:9] = True
    return obj.reshape(-1), ~obj.reshape(-1)


def test_the_random_rule_draws_several_independent_reproducible_regions():
    """RANDOM_DRAWS masks named background#k, each zero-overlap with the object's count; the other rules draw one."""
    obj, cand = _case()
    draws = background_draws(obj, cand, "random", seed=7)
    assert list(draws) == [f"background#{k}" for k in range(RANDOM_DRAWS)] and RANDOM_DRAWS > 1
    assert all(m.sum() == obj.sum() and not (m & obj).any() for m in draws.values())
    assert len({m.tobytes() for m in draws.values()}) > 1, "the draws are not independent"
    assert all(np.array_equal(a, b) for a, b in zip(draws.values(), background_draws(obj, cand, "random", seed=7).values()))
    assert any(not np.array_equal(a, b) for a, b in zip(draws.values(), background_draws(obj, cand, "random", seed=8).values()))
    for rule in set(BACKGROUND_RULES) - {"random"}:
        assert list(background_draws(obj, cand, rule)) == ["background"] and draw_count(rule) == 1
    assert {mask_family(name) for name in sample_masks(obj, cand, "random", 7)} == {"object", "background", "bg_rect", "rect"}


def test_draws_are_averaged_per_image_and_condition():
    """Float columns averaged over an image's draws, keys (layer, token count) kept; a table without draws unchanged."""
    rows = [("a", f"background#{k}", layer, 10, 0.1 * k + layer) for k in range(3) for layer in (0, 1)]
    rows += [("a", "object", layer, 10, 5.0) for layer in (0, 1)]
    frame = pd.DataFrame(rows, columns=["image_id", "mask", "layer", "tokens", "drift"])
    averaged = average_draws(frame)
    assert averaged.columns.tolist() == frame.columns.tolist() and len(averaged) == 4
    background = averaged[averaged["mask"] == "background"].set_index("layer")["drift"]
    assert background.to_dict() == pytest.approx({0: 0.1, 1: 1.1}) and averaged["tokens"].eq(10).all()
    plain = frame[~frame["mask"].str.contains("#")]
    assert average_draws(plain) is plain


def test_a_random_background_table_averages_every_draws_own_run(world, tmp_path):  # noqa: F811
    """The stored background drift is the mean of each draw's drift run separately; the census counts every draw."""
    store = TableStore(world, tmp_path, RANDOM, run_id="draws")
    before = COUNTER.blocks
    table = store.table("semantic", "ijepa_1k", "4x3")
    depth = store.roles("ijepa_1k").depth
    assert COUNTER.blocks - before == table_blocks("semantic", depth, 12, RANDOM)
    assert table_blocks("semantic", depth, 12, RANDOM) > table_blocks("semantic", depth, 12, Conventions())
    assert set(table["mask"]) == {"object", "background", "bg_rect", "rect"}
    inputs = store.inputs("ijepa_1k", "4x3")
    draws = [job for job in inputs.jobs if mask_family(job.mask) == "background"]
    assert len(draws) == 12 * RANDOM_DRAWS
    each = drift_table(store.encoder("ijepa_1k"), inputs.images, draws, RANDOM, 8)
    expected = each.groupby(["image_id", "layer"])["context_drift"].mean()
    stored = table[table["mask"] == "background"].set_index(["image_id", "layer"])["context_drift"]
    pd.testing.assert_series_equal(stored.sort_index(), expected.sort_index(), check_names=False)
    budgets = store.table("masks", "ijepa_1k", "4x3").pivot(index="image_id", columns="mask", values="tokens")
    assert (budgets["background"] == budgets["object"]).all()


@pytest.mark.parametrize("kind", ["rescue", "excess"])
def test_the_census_counts_every_draws_masked_and_patched_runs(world, tmp_path, kind):  # noqa: F811
    """Blocks the engine ran for a table of object and background jobs under the random rule = the census's count,
    more than under farthest (proxy and mae_default count their jobs by the same `pair` term)."""
    store = TableStore(world, tmp_path, RANDOM)
    depth = store.roles("ijepa_1k").depth
    before = COUNTER.blocks
    table = store.table(kind, "ijepa_1k", "4x3")
    assert COUNTER.blocks - before == table_blocks(kind, depth, 12, RANDOM) > table_blocks(kind, depth, 12, Conventions())
    assert not table["mask"].str.contains("#").any()
