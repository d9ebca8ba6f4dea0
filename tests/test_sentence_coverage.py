"""Every result sentence of the paper is tested by a claim, a probe or numeric agreement, or says why it is not.

The direction is claim -> sentence: each claim and probe names the ids of the sentences it tests, the paper data
names none (so adding a claim never edits the paper).
"""
from __future__ import annotations

from claim_modules import CLAIMS, SUITE

from jepa_claims.claim.catalogue import suite_module
from jepa_claims.paper import sentences as ps

RESULTS, PROTOCOL, CAPTIONS = ps.load()
NUMERIC = suite_module(SUITE / "test_numeric_agreement.py").SENTENCES


def covered() -> set[str]:
    """The sentence ids the suite's claims, probes and numeric agreement name."""
    return ({s for c in CLAIMS for s in c.sentences} | {s for p in CLAIMS.probes() for s in p.sentences} | set(NUMERIC))


def test_every_named_sentence_is_in_the_paper():
    """No claim or probe names a sentence id the paper data does not hold."""
    known = {s.id for s in RESULTS + PROTOCOL}
    assert not covered() - known, sorted(covered() - known)


def test_every_result_sentence_is_tested_or_says_why_not():
    """Each result sentence is named by a test, or carries its reason for having none."""
    assert ps.uncovered(RESULTS, covered()) == []


def test_a_sentence_no_test_names_is_found():
    """The coverage check is not vacuous: without the claim that names 3.1.1, that sentence is uncovered."""
    assert "3.1.1" in ps.uncovered(RESULTS, covered() - {"3.1.1"})
