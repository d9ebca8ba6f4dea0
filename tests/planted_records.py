"""Planted records: what the recorder would have noted of a run (its items, outcomes and verdict records), set by hand
so the record's builder and pages can be checked against known content."""
from __future__ import annotations

from claim_modules import catalogued

from jepa_claims.worlds.world import TOY_BANNER

C4_SLICES = ("4x3", "8x3", "12x3")
WORLD = {"name": "toy", "banner": TOY_BANNER, "slices": ["4x3", "8x3", "12x3"],
         "checkpoints": [{"key": "ijepa_1k", "label": "toy I-JEPA"}, {"key": "mae", "label": "toy MAE"}]}


def item(module: str, claim: str | None, ck: str | None, sl: str | None, doc: str = "The claim holds.") -> dict:
    """A collected claim test's item, as the recorder notes it."""
    return {"module": module, "doc": doc, "claim": claim, "probe": None, "checkpoint": ck, "slice": sl,
            "param_claim": None, "cell": None}


def verdict(test: str, claim: str, ck: str, sl: str, passed: bool, p: float | None = None, adv: float = 0.1) -> dict:
    """A claim test's verdict record (its paired statistics planted with `p`, or none)."""
    stats = {"no_test": "planted without a test"} if p is None else {"object - background": {
        "n": 12, "mean_diff": adv, "ci_low": adv - 0.05, "ci_high": adv + 0.05, "p": p, "p_exact": True,
        "min_attainable_p": 2 / 2**12, "wins": 11, "confidence": 0.95}}
    return {"kind": "verdict", "test": test, "outcome": "passed" if passed else "failed", "claim": claim, "checkpoint": ck,
            "slice": sl, "passed": passed, "statement": f"{claim} statement on {sl}",
            "measured": {"advantage": adv, "wins": 11, "n": 12, "by_bin": [0.1, 0.2]}, "paper": {"advantage": 0.1179}, "stats": stats}


P_RAW = {"4x3": 0.0004, "8x3": 0.03, "12x3": 0.01}



def planted_run() -> tuple[dict, dict, list]:
    """(items, outcomes, records): C4 on three slices (one FAIL), C12 on mae (one SKIP), C2 not selected, a probe,
    numeric cells skipped."""
    items, outcomes, records = {}, {}, []
    for sl in C4_SLICES:
        node = f"claims/test_c04.py::test_c4[ijepa_1k-{sl}]"
        items[node] = item("test_c04", "C4", "ijepa_1k", sl)
        passed = sl != "8x3"
        outcomes[node] = {"outcome": "passed" if passed else "failed", "when": "call", "reason": ""}
        records.append(verdict(node, "C4", "ijepa_1k", sl, passed, P_RAW[sl]))
    node = "claims/test_c12.py::test_c12[mae-8x3]"
    items[node] = item("test_c12", "C12", "mae", "8x3")
    outcomes[node] = {"outcome": "skipped", "when": "setup", "reason": "mae weights missing"}
    items["claims/test_c02.py::test_c2[not-selected]"] = item("test_c02", "C2", None, None)
    probe = "claims/test_p1.py::test_p1[C4-ijepa_1k-4x3]"
    items[probe] = {"module": "test_p1", "doc": "", "claim": None, "probe": "P1", "checkpoint": "ijepa_1k", "slice": "4x3",
                    "param_claim": "C4", "cell": None, "other_claims": "C13 involves no model."}
    outcomes[probe] = {"outcome": "failed", "when": "call", "reason": "AssertionError: C4 also holds"}
    records.append({"kind": "probe", "test": probe, "outcome": "failed", "probe": "P1", "claim": "C4", "checkpoint": "ijepa_1k",
                    "slice": "4x3", "holds": True, "sentence": "C4 also holds on the untrained architecture", "measured": {"x": 0.5}})
    cell = "claims/test_numeric_agreement.py::test_cell[table1/4x3/advantage]"
    items[cell] = {"module": "test_numeric_agreement", "doc": "", "claim": None, "probe": None, "checkpoint": None,
                   "slice": None, "param_claim": None, "cell": "table1/4x3/advantage"}
    outcomes[cell] = {"outcome": "skipped", "when": "call", "reason": "numeric agreement is tested on the paper's checkpoints only (toy world)"}
    modules = {"test_p1": {"doc": "P1 random-init control.\n\nMore."},
               "test_numeric_agreement": {"doc": "Numeric."}}
    return catalogued(items, modules), outcomes, records
