"""The claim unit and the catalogue: a claim is validated on definition, an id is defined once, every table a check reads is declared."""
from __future__ import annotations

import dataclasses
import json
import textwrap

import pytest

from claim_modules import CLAIMS
from jepa_claims.claim.catalogue import Catalogue, load, sort_key
from jepa_claims.claim.unit import LAYER_READING, PROTOCOL, Claim, Headline, Probe, Threshold, Untrained
from jepa_claims.claim.verdict import Verdict
from planted import Planted

HEADLINE = Headline("advantage", None, "planted")
UNTRAINED = Untrained(not_run="planted")


def _check(source, checkpoint, slice_name) -> Verdict:
    return Verdict(True, "planted")


def _claim(claim_id: str = "X1", **fields) -> Claim:
    """A planted claim with defaults for what the test does not vary."""
    fields = {"doc": f"{claim_id}: \"q\" (section 0).\n\nHow it is checked.", "short": "s", "sentences": ("s1",),
              "checkpoints": ("ijepa_1k",), "slices": ("8x3",), "reads": ("semantic",), "check": _check,
              "headline": HEADLINE, "untrained": UNTRAINED, "planted": ("ijepa_1k:no_object_signal",)} | fields
    return Claim(claim_id, **fields)


def test_an_id_defined_twice_is_refused():
    """Two claims (or two probes) with one id make no catalogue."""
    with pytest.raises(ValueError, match="claim X1 is defined twice"):
        Catalogue((_claim("X1"), _claim("X1", short="other")))
    with pytest.raises(ValueError, match="probe P99 is defined twice"):
        Catalogue(probes=(Probe("P99", "a", every_claim=True), Probe("P99", "b", every_claim=True)))
    assert Catalogue((_claim("X1"), _claim("X2"))).ids() == ["X1", "X2"]


def test_a_folder_defining_an_id_twice_is_refused(tmp_path):
    """Two modules of one suite folder that both define C98 are an error, not a silent overwrite."""
    module = textwrap.dedent('''
        """C98: "q" (section 0)."""
        from jepa_claims.claim.unit import Claim, Headline, Untrained
        from jepa_claims.claim.verdict import Verdict
        CLAIM = Claim("C98", doc=__doc__, short="s", sentences=("s1",), checkpoints=("ijepa_1k",), slices=("8x3",),
                      reads=("semantic",), check=lambda *a: Verdict(True, "x"), headline=Headline("a", None, "a"),
                      untrained=Untrained(not_run="x"), planted=("ijepa_1k:no_object_signal",))
    ''')
    for stem in ("test_unit_dup_a", "test_unit_dup_b"):
        (tmp_path / f"{stem}.py").write_text(module)
    with pytest.raises(ValueError, match="claim C98 is defined twice"):
        load(tmp_path)


@pytest.mark.parametrize("fields, problem", [
    ({"slices": ()}, "names no checkpoint or no slice"),
    ({"checkpoints": ()}, "names no checkpoint or no slice"),
    ({"planted": ()}, "names no planted falsehood that breaks it"),
    ({"sentences": ()}, "names no paper sentence"),
    ({"kind": "belief"}, "kind 'belief' is not one of model, protocol"),
    ({"rerun_under": ("weather",)}, "P3 group 'weather' is not one of"),
])
def test_a_claim_missing_what_makes_it_testable_is_refused(fields, problem):
    """No cells, no planted falsehood, no sentence, an unknown kind or P3 group: the claim is not defined."""
    with pytest.raises(ValueError, match=f"claim X1: .*{problem}"):
        _claim(**fields)
    _claim(kind=PROTOCOL, rerun_under=(LAYER_READING,))  # the same claim with known values is defined


def test_a_probe_without_cells_is_refused():
    """A probe runs on checkpoints x slices or over every claim; neither is an error."""
    with pytest.raises(ValueError, match="probe P99: names no checkpoint or no slice"):
        Probe("P99", "about")
    assert Probe("P99", "about", every_claim=True).describe()["every_claim"]


def test_unknown_ids_name_the_known_ones():
    """An unknown claim or probe id is an error that lists the defined ones."""
    catalogue = Catalogue((_claim("X2"), _claim("X1")), (Probe("P9", "a", every_claim=True),))
    with pytest.raises(KeyError, match="unknown claim C99; known: X1, X2"):
        catalogue.get("C99")
    with pytest.raises(KeyError, match="unknown probe P98; known: P9"):
        catalogue.probe("P98")
    with pytest.raises(KeyError, match="unknown claim C99; known: C1, C2, C3"):
        CLAIMS.get("C99")


def test_ids_are_in_numeric_order():
    """C2 before C10, claims before probes, odd names last."""
    catalogue = Catalogue(tuple(_claim(i) for i in ("C10", "C2", "C1")))
    assert catalogue.ids() == ["C1", "C2", "C10"] and [c.id for c in catalogue] == ["C1", "C2", "C10"]
    assert sorted(["P1", "odd", "C10", "C2"], key=sort_key) == ["C2", "C10", "P1", "odd"]
    assert CLAIMS.ids()[:3] == ["C1", "C2", "C3"] and "C10" in CLAIMS and "X1" not in CLAIMS


def test_load_finds_claims_and_probes_of_a_folder(tmp_path):
    """A folder's CLAIM and PROBE are catalogued with the module that defines them; a missing folder is an error."""
    (tmp_path / "test_unit_found_c97.py").write_text(textwrap.dedent('''
        """C97: "q" (section 0).

        Always holds.
        """
        from jepa_claims.claim.unit import Claim, Headline, Probe, Untrained
        from jepa_claims.claim.verdict import Verdict
        CLAIM = Claim("C97", doc=__doc__, short="s", sentences=("s1",), checkpoints=("ijepa_1k",), slices=("8x3",),
                      reads=("semantic",), check=lambda *a: Verdict(True, "x"), headline=Headline("a", None, "a"),
                      untrained=Untrained(not_run="x"), planted=("ijepa_1k:no_object_signal",))
    '''))
    (tmp_path / "test_unit_found_p97.py").write_text('from jepa_claims.claim.unit import Probe\nPROBE = Probe("P97", "a", every_claim=True)\n')
    (tmp_path / "helper_not_a_test.py").write_text("raise RuntimeError('not a suite module')\n")
    catalogue = load(tmp_path)
    assert catalogue.ids() == ["C97"] and [p.id for p in catalogue.probes()] == ["P97"]
    assert catalogue.module_of("C97") == "test_unit_found_c97" and catalogue.module_of("P97") == "test_unit_found_p97"
    assert catalogue.get("C97").quote == '"q" (section 0).' and catalogue.get("C97").about == "Always holds."
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "absent")


def test_the_repository_catalogue_holds_every_claim_and_its_modules():
    """The suite defines C1..C19, each from its own claims/test_cNN_*.py module."""
    assert CLAIMS.ids() == [f"C{i}" for i in range(1, 20)]
    modules = {c.id: CLAIMS.module_of(c.id) for c in CLAIMS}
    assert all(m.startswith(f"test_c{int(c[1:]):02d}_") for c, m in modules.items()), modules
    assert len(set(modules.values())) == len(modules)


def test_quote_and_about_come_from_the_doc():
    """The quote is the docstring's first paragraph on one line without its id; the rest is how it is checked."""
    claim = _claim(doc='X1: "the words\n   of the paper" (section 3.1).\n\nChecked by\na test.')
    assert claim.quote == '"the words of the paper" (section 3.1).'
    assert claim.about == "Checked by\na test."
    assert CLAIMS.get("C6").quote.startswith('"On the 8x3 slice, the best three-site group')


def test_describe_is_plain_json_with_thresholds_and_reasons():
    """describe() carries what the record and the docs read, JSON-ready, thresholds with their reasons."""
    claim = _claim(thresholds={"most": Threshold(0.5, "most is more than half")}, rerun_under=(LAYER_READING,))
    described = json.loads(json.dumps(claim.describe()))
    assert described["thresholds"] == {"most": {"value": 0.5, "why": "most is more than half"}}
    assert described["rerun_under"] == [LAYER_READING] and described["reads"] == ["semantic"]
    assert described["planted"] == ["ijepa_1k:no_object_signal"] and described["quote"] == '"q" (section 0).'
    for claim in CLAIMS:
        assert json.loads(json.dumps(claim.describe()))["id"] == claim.id


def test_every_threshold_says_why():
    """A threshold of a repository claim turns a word into a number and gives the reason."""
    for claim in CLAIMS:
        for name, threshold in claim.thresholds.items():
            assert isinstance(threshold, Threshold) and threshold.why.strip(), f"{claim.id} {name}"


def test_numeric_cells_keep_only_the_papers_cells():
    """A claim's paper cells that are not among the paper's values are dropped; without paper_cells there are none."""
    claim = _claim(paper_cells=lambda ck, sl: [f"table1/{sl}/advantage", "table9/nowhere"])
    assert claim.numeric_cells("ijepa_1k", "8x3") == ["table1/8x3/advantage"]
    assert _claim().numeric_cells("ijepa_1k", "8x3") == []


def test_evaluate_names_the_claim_and_cell():
    """The verdict of a cell carries the claim id, checkpoint and slice, whatever the check set."""
    verdict = _claim().evaluate(None, "ijepa_1k", "8x3")
    assert (verdict.claim, verdict.checkpoint, verdict.slice, verdict.passed) == ("X1", "ijepa_1k", "8x3", True)


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
    """Planted tables that remember every (kind, checkpoint, slice) a check reads."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[tuple[str, str, str]] = set()

    def table(self, kind, checkpoint, slice_name):
        self.read.add((kind, checkpoint, slice_name))
        return super().table(kind, checkpoint, slice_name)


def _undeclared(claim: Claim, checkpoint: str, slice_name: str) -> tuple[set, set]:
    """The cells and the table kinds a check reads on one cell beyond what its claim declares."""
    source = Reading()
    claim.evaluate(source, checkpoint, slice_name)
    cells = {(ck, sl) for _, ck, sl in source.read} - claim.needs(checkpoint, slice_name)
    return cells, {kind for kind, _, _ in source.read} - set(claim.reads)


@pytest.mark.parametrize("claim", list(CLAIMS), ids=CLAIMS.ids())
def test_every_table_a_check_reads_is_declared(claim):
    """On each of its cells, a check reads no table kind and no (checkpoint, slice) beyond what its claim declares."""
    for checkpoint, slice_name in claim.cells():
        cells, kinds = _undeclared(claim, checkpoint, slice_name)
        assert not cells, f"{claim.id} on {checkpoint} {slice_name} reads {sorted(cells)} without declaring it"
        assert not kinds, f"{claim.id} on {checkpoint} {slice_name} reads tables {sorted(kinds)} not in its reads"


def test_an_undeclared_read_is_caught():
    """The declaration check is not vacuous: C5 without its extra slices, or C8 without one kind, reads undeclared tables."""
    c5, c8 = CLAIMS.get("C5"), CLAIMS.get("C8")
    assert _undeclared(dataclasses.replace(c5, reads_slices=()), "ijepa_1k", "4x3")[0] == {("ijepa_1k", "12x3"), ("ijepa_1k", "16x3")}
    assert _undeclared(dataclasses.replace(c8, reads=("masks", "rescue")), "ijepa_1k", "8x3")[1] == {"semantic"}


def test_every_planted_falsehood_is_a_toy_variant_or_a_planted_table():
    """A claim's planted names a toy variant that exists (lib/toy/variants.py) or says which table is planted."""
    from jepa_claims.toy.variants import TOY_VARIANTS

    for claim in CLAIMS:
        for planted in claim.planted:
            table = planted.startswith("planted table:") and planted.split(":", 1)[1].strip()
            assert table or (planted in TOY_VARIANTS and ":" in planted), f"{claim.id}: {planted!r} is no toy variant"


def test_the_record_joins_variants_with_the_claims_that_name_them():
    """planted_rows gives each variant the claims naming it, drops variants no claim names, adds planted tables."""
    from jepa_claims.record.summary import planted_rows

    variants = [{"variant": "ijepa_1k:a", "how": "a"}, {"variant": "ijepa_1k:b", "how": "b"}, {"variant": "ijepa_1k:c", "how": "c"}]
    claims = {"X1": {"planted": ["ijepa_1k:a"]}, "X2": {"planted": ["ijepa_1k:a", "ijepa_1k:b"]},
              "X3": {"planted": ["planted table: one budget shifted"]}}
    assert planted_rows(variants, claims) == [
        {"variant": "ijepa_1k:a", "how": "a", "breaks": ["X1", "X2"]}, {"variant": "ijepa_1k:b", "how": "b", "breaks": ["X2"]},
        {"variant": "planted table", "breaks": ["X3"], "how": "one budget shifted"}]


def test_by_nature_speaks_of_a_checkpoint_the_claim_runs_untrained():
    """A claim that holds untrained by its nature names one of its own checkpoints, and is one P1 runs (has an effect)."""
    for claim in CLAIMS:
        assert set(claim.untrained.by_nature) <= set(claim.checkpoints), claim.id
        assert not claim.untrained.by_nature or claim.untrained.effect, claim.id
        assert all(why.strip() for why in claim.untrained.by_nature.values()), claim.id
    assert {c.id for c in CLAIMS if c.untrained.by_nature} >= {"C6"}  # the nested patch groups of the toy architecture
