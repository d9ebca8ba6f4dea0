"""The claim registry: one definition per claim, collisions refused, every table a check reads declared."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from claim_modules import CLAIMS
from jepa_claims.claim.common import Verdict
from jepa_claims.claim.unit import Headline, Registry, Untrained
from planted import Planted

CLAIMS_DIR = Path(__file__).resolve().parents[1] / "claims"
HEADLINE = Headline("advantage", None, "planted")
UNTRAINED = Untrained(not_run="planted")


def _check(source, checkpoint, slice_name) -> Verdict:
    return Verdict(True, "planted")


def _other(source, checkpoint, slice_name) -> Verdict:
    return Verdict(False, "planted")


def _register(registry: Registry, claim_id: str, check, **fields) -> None:
    """Register a planted claim with defaults for what the test does not vary."""
    fields = {"quote": "q", "checkpoints": ("ijepa_1k",), "slices": ("8x3",), "headline": HEADLINE, "untrained": UNTRAINED} | fields
    registry.register(claim_id, **fields)(check)


def test_an_id_registered_twice_is_refused():
    """A second claim with the same id names both checks."""
    registry = Registry()
    _register(registry, "X1", _check)
    with pytest.raises(ValueError, match=r"claim X1 registered twice: by .*_check and .*_other"):
        _register(registry, "X1", _other)


def test_a_check_registered_for_two_claims_is_refused():
    """One check cannot define two claims."""
    registry = Registry()
    _register(registry, "X1", _check)
    with pytest.raises(ValueError, match="already the check of claim X1"):
        _register(registry, "X2", _check)


def test_a_claim_without_cells_is_refused():
    """A claim on no slice would never be tested."""
    with pytest.raises(ValueError, match="names no checkpoint or no slice"):
        _register(Registry(), "X1", _check, slices=())


def test_unknown_claims_name_the_known_ones():
    """An unknown id or an unregistered check is an error that lists the registered claims."""
    registry = Registry()
    _register(registry, "X1", _check)
    _register(registry, "X2", _other)
    with pytest.raises(KeyError, match="unknown claim C99; known: X1, X2"):
        registry.get("C99")
    with pytest.raises(KeyError, match="is the check of no registered claim; known: X1, X2"):
        registry.of_check(lambda *a: None)
    with pytest.raises(KeyError, match="unknown claim C99; known: C1, C2, C3"):
        CLAIMS.get("C99")


def test_untrained_needs_an_effect_or_a_reason():
    """P1's expectation is either a compared effect (with what untrained should show) or why it is not run."""
    for bad in ({}, {"effect": "advantage"}, {"effect": "advantage", "expect": "x", "not_run": "y"}):
        with pytest.raises(ValueError, match="either effect and expect, or not_run"):
            Untrained(**bad)


def test_a_cell_needs_every_slice_and_checkpoint_its_check_reads():
    """C5 on 4x3 needs 12x3 and 16x3; C10 needs the 1k checkpoint; what is not selected is named."""
    c5, c10 = CLAIMS.get("C5"), CLAIMS.get("C10")
    assert c5.missing("ijepa_1k", "4x3", ["ijepa_1k"], ["4x3"]) == ["12x3", "16x3"]
    assert c5.missing("ijepa_1k", "4x3", ["ijepa_1k"], ["4x3", "12x3", "16x3"]) == []
    assert c10.missing("ijepa_22k", "8x3", ["ijepa_22k"], ["8x3"]) == ["ijepa_1k"]
    assert CLAIMS.get("C4").needs("ijepa_1k", "8x3") == {("ijepa_1k", "8x3")}


class Reading(Planted):
    """Planted tables that remember every (checkpoint, slice) a check reads."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[tuple[str, str]] = set()

    def table(self, kind, checkpoint, slice_name):
        self.read.add((checkpoint, slice_name))
        return super().table(kind, checkpoint, slice_name)


@pytest.mark.parametrize("claim", list(CLAIMS), ids=CLAIMS.ids())
def test_every_table_a_check_reads_is_declared(claim):
    """On each of its cells, a check reads no (checkpoint, slice) beyond what its registration declares."""
    for checkpoint, slice_name in claim.cells():
        source = Reading()
        claim.evaluate(source, checkpoint, slice_name)
        undeclared = source.read - claim.needs(checkpoint, slice_name)
        assert not undeclared, f"{claim.id} on {checkpoint} {slice_name} reads {sorted(undeclared)} without declaring it"


def test_an_undeclared_read_is_caught():
    """The declaration check is not vacuous: C5 registered without its extra slices reads undeclared tables."""
    c5 = CLAIMS.get("C5")
    registry = Registry()
    _register(registry, "C5", c5.check, slices=("4x3",))
    source = Reading()
    registry.get("C5").evaluate(source, "ijepa_1k", "4x3")
    assert source.read - registry.get("C5").needs("ijepa_1k", "4x3") == {("ijepa_1k", "12x3"), ("ijepa_1k", "16x3")}


def _module_docstring(path: Path) -> str:
    return " ".join((ast.get_docstring(ast.parse(path.read_text())) or "").split())


@pytest.mark.parametrize("claim", list(CLAIMS), ids=CLAIMS.ids())
def test_each_claim_has_one_test_module_that_quotes_its_registration(claim):
    """claims/test_cNN_*.py names the claim's check in its marker and quotes the registered sentence."""
    modules = [p for p in CLAIMS_DIR.glob("test_c*.py") if f"pytest.mark.claim(check={claim.check.__name__})" in p.read_text()]
    assert len(modules) == 1, f"{claim.id}: modules naming {claim.check.__name__}: {modules}"
    assert _module_docstring(modules[0]) == f"{claim.id}: {claim.quote}"
