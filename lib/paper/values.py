"""Every number the paper reports, with where it is printed, and the relative floors used to compare.

Paper: "A Late Semantic Repair Pathway in I-JEPA's Visual World Model". Values are copied digit for digit;
`source` says where each is printed: a cell of tables.toml (TableCell) or the words of a sentence of
sentences.toml (Quote), and tests/test_paper_values.py checks every number against it. Layer numbers are the paper's own words ("layers 28-32", "30-31", "29.intermediate"); the
layer reading (conventions.READINGS, NOTES["layer_index"]) says which blocks and states they are.

The balanced slices' image ids are not published, so measured numbers differ from these by
sampling alone: directional claims are the primary test, and numeric agreement per cell uses a
tolerance derived from the sampling error plus a named relative floor in FLOORS (numeric.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from jepa_claims.paper.sentences import Quote
from jepa_claims.paper.tables import TableCell

Source = TableCell | Quote


@dataclass(frozen=True)
class PaperValue:
    """One number as printed in the paper, with its provenance."""

    value: float
    source: Source
    note: str = ""


@dataclass(frozen=True)
class PaperCount:
    """A win count "k of n images" as printed in the paper."""

    wins: int
    n: int
    source: Source
    note: str = ""

    @property
    def fraction(self) -> float:
        """wins / n."""
        return self.wins / self.n


@dataclass(frozen=True)
class Floor:
    """A named relative floor of a numeric tolerance: the share of |paper| sampling does not explain, and why."""

    relative: float
    source: str
    why: str


@dataclass(frozen=True)
class MinimumEffect:
    """The smallest effect a claim's words state, derived from the paper's own printed values, and why."""

    value: float
    source: str
    why: str


@dataclass(frozen=True)
class Note:
    """Something in the paper a replication record should state plainly."""

    kind: str  # "inconsistency" (the paper contradicts itself or arithmetic) or "unstated"
    source: str
    text: str
    resolution: str


def _pv(value: float, source: Source, note: str = "") -> PaperValue:
    return PaperValue(value, source, note)


# Slice keys; images per slice = classes x 3 (section 2.1).
SLICES = ("4x3", "8x3", "12x3", "16x3", "voc8x3")
SLICE_N = {"4x3": 12, "8x3": 24, "12x3": 36, "16x3": 48, "voc8x3": 24}

# Group keys exactly as Table 2 prints them (block indices 0..31).
SINGLE = "29.intermediate"
PAIR = "29.intermediate + 30.intermediate"
TRIPLE = "29.intermediate + 30.attn.out + 31.attn.out"
GROUPS = (SINGLE, PAIR, TRIPLE)

FAMILIES = ("ijepa_1k", "ijepa_22k", "beit", "mae")


def _label(slice_: str) -> str:
    """A slice key as the tables print it ("voc8x3" -> "VOC 8x3")."""
    return "VOC 8x3" if slice_ == "voc8x3" else slice_


def _t1(slice_: str, obj: float, bg: float, adv: float) -> dict[str, PaperValue]:
    row = (_label(slice_),)
    return {
        "object": _pv(obj, TableCell("table1", row, "Object late context drift"),
                      "mean late context drift, object-token masks"),
        "background": _pv(bg, TableCell("table1", row, "Background late context drift"),
                          "mean late context drift, zero-overlap background tokens"),
        "advantage": _pv(adv, TableCell("table1", row, "Semantic advantage"), "semantic advantage = object - background"),
    }


# Table 1: strict semantic advantage (late context drift = mean over hidden_states 30-31).
TABLE1: dict[str, dict[str, PaperValue]] = {
    "4x3": _t1("4x3", 0.2214, 0.1035, 0.1179),
    "8x3": _t1("8x3", 0.2410, 0.0989, 0.1420),
    "12x3": _t1("12x3", 0.2435, 0.0983, 0.1451),
    "16x3": _t1("16x3", 0.2481, 0.0980, 0.1501),
    "voc8x3": _t1("voc8x3", 0.1505, 0.0988, 0.0518),
}

VOC_WINS = PaperCount(19, 24, Quote("3.2.7", "19 of 24"), "object beats zero-overlap background on VOC 8x3")


def _t2(slice_: str, rows: tuple[tuple[float, float], ...]) -> dict[str, dict[str, PaperValue]]:
    return {
        group: {
            "rescue": _pv(r, TableCell("table2", (_label(slice_), group), "Absolute context rescue"),
                          "absolute late context rescue"),
            "rescue_fraction": _pv(f, TableCell("table2", (_label(slice_), group), "Context rescue fraction"),
                                   "context rescue fraction"),
        }
        for group, (r, f) in zip(GROUPS, rows)
    }


# Table 2: late context-only rescue of the three groups (no 4x3 row in the paper).
TABLE2: dict[str, dict[str, dict[str, PaperValue]]] = {
    "8x3": _t2("8x3", ((0.1216, 0.4408), (0.1747, 0.6108), (0.1831, 0.6348))),
    "12x3": _t2("12x3", ((0.1218, 0.4336), (0.1764, 0.6077), (0.1854, 0.6361))),
    "16x3": _t2("16x3", ((0.1238, 0.4306), (0.1785, 0.6039), (0.1882, 0.6336))),
    "voc8x3": _t2("voc8x3", ((0.0662, 0.3552), (0.0948, 0.5146), (0.1006, 0.5400))),
}

# Table 3: strict semantic advantage across model families, Oxford-IIIT Pet 8x3.
TABLE3: dict[str, dict[str, PaperValue | PaperCount]] = {
    fam: {
        "advantage": _pv(adv, TableCell("table3", (label,), "Semantic advantage"), "semantic advantage, 8x3"),
        "wins": PaperCount(k, 24, TableCell("table3", (label,), "Object > background wins"),
                           "object > background wins, 8x3"),
    }
    for fam, label, adv, k in (
        ("ijepa_1k", "I-JEPA (vith14_1k)", 0.1420, 23),
        ("ijepa_22k", "I-JEPA (vith14_22k)", 0.0938, 24),
        ("beit", "BEiT base", 0.2601, 23),
        ("mae", "ViT-MAE base", -0.0059, 10),
    )
}

# Section 3.6 restates the 22k result: all 24 images, smaller effects than 1k.
IJEPA_22K_WINS = PaperCount(24, 24, Quote("3.6.3", "all 24 images"), "object beats background on all 24 images (8x3)")
IJEPA_22K_ADVANTAGE = TABLE3["ijepa_22k"]["advantage"]

# Table 4 (appendix A.2): mean token budgets per image; no 12x3 or VOC column in the paper.
def _t4(slice_: str, row: str, value: float, note: str) -> PaperValue:
    return _pv(value, TableCell("table4", (row,), f"Mean Tokens ({slice_})"), note)


TABLE4: dict[str, dict[str, PaperValue]] = {
    s: {
        "object_tokens": _t4(s, "Object Token Mask", o, "mean object-token mask size"),
        "background_tokens": _t4(s, "Zero-Overlap Background", o, "mean zero-overlap background size"),
        "visible_context": _t4(s, "Total Visible Context", c, "mean visible context tokens"),
    }
    for s, o, c in (("4x3", 52.4, 203.6), ("8x3", 54.1, 201.9), ("16x3", 55.8, 200.2))
}
TOTAL_TOKENS = _pv(256, Quote("A.2.1", "total 256 internal patches"), "224 px / patch 14 = 16 x 16 tokens")

# Section 3.6: predictor proxy (ridge map hidden_states 31 -> 32 fit on clean runs, 16x3).
PROXY: dict[str, PaperValue] = {
    "clean_global_drift": _pv(0.0179, Quote("3.6.12", "0.0179"), "mean clean proxy global drift"),
    "object_context_drift": _pv(0.2998, Quote("3.6.13", "0.2998"), "masked proxy context drift, object masks"),
    "background_context_drift": _pv(
        0.1184, Quote("3.6.13", "0.1184"), "masked proxy context drift, zero-overlap background"
    ),
    "rescue_pair": _pv(0.1512, Quote("3.6.14", "0.1512"), "absolute proxy context rescue, MLP pair"),
    "rescue_triple": _pv(0.1505, Quote("3.6.14", "0.1505"), "absolute proxy context rescue, triple"),
    "rescue_single": _pv(0.1100, Quote("3.6.14", "0.1100"), "absolute proxy context rescue, block-29 single"),
}

# Thresholds and protocol constants.
TAU = _pv(0.05, Quote("2.2.6", r"\tau = 0.05"), "onset: first layer whose context drift exceeds tau")
ONSET_RANGE = (23, 29)  # section 3.1: large square masks rise "around layers 23-29"
RESCUE_PEAK = (28, 30)  # section 3.3: late repair window "centered on layers 28-30"
LATE_LAYERS = (28, 32)  # section 2.2: causal experiments restricted to "layers 28-32"
LATE_WINDOW = (30, 31)  # sections 2.2 and 2.5: late context drift = mean over layers 30-31
BOTTLENECK_BLOCK = 29  # sections 3.1, 3.2: MLP intermediate at block 29
LATE_ATTENTION_BLOCKS = (30, 31)  # section 3.3: attention outputs of blocks 30 and 31
P_THRESHOLD = _pv(0.001, Quote("3.2.9", "$p < 0.001$"), "paired sign-flip p below this in every slice")
CONFIDENCE = _pv(0.95, Quote("2.4.4", "95%"), "bootstrap confidence level")
BOOTSTRAP_RESAMPLES = _pv(10_000, Quote("2.4.4", "10,000 bootstrap samples"), "bootstrap samples")
PERMUTATIONS = _pv(20_000, Quote("2.4.4", "20,000 permutations"), "sign-flip permutations")
# Where the plain constants above (layer numbers, images per slice) are printed: every number in the quoted
# words, in order, is the constant's (a slice "a x b" is a * b images).
SOURCES: dict[str, Quote] = {
    "ONSET_RANGE": Quote("3.1.2", "layers 23–29"),
    "RESCUE_PEAK": Quote("3.3.2", "layers 28–30"),
    "LATE_LAYERS": Quote("2.2.7", "layers 28–32"),
    "LATE_WINDOW": Quote("2.2.7", "layers 30–31"),
    "BOTTLENECK_BLOCK": Quote("3.1.4", "layer 29"),
    "LATE_ATTENTION_BLOCKS": Quote("abstract.5", "layers 30–31"),
    "SLICE_N/4x3": Quote("2.1.5", r"4 classes \times 3 images"),
    "SLICE_N/8x3": Quote("2.1.5", "8x3"),
    "SLICE_N/12x3": Quote("2.1.5", "12x3"),
    "SLICE_N/16x3": Quote("2.1.5", "16x3"),
    "SLICE_N/voc8x3": Quote("2.1.6", "an 8x3 slice"),
}

# Relative floors of the numeric tolerances (numeric.derived_tolerance adds them to the sampling term). Sampling
# error is measured per cell; a floor covers what it does not: the implementation details the paper does not
# state to the digit (fill of masked tokens, normalisation, float precision, NOTES) and four-decimal printing.
# Each floor is below the paper's own spread of that quantity over its disjoint Oxford rows, so the floor alone
# never lets one slice's printed number stand for another's.
FLOORS: dict[str, Floor] = {
    "drift": Floor(0.10, "Table 1", "late context drifts and their differences: 10% of the printed value. Table 1's "
                   "object drift spans 0.2214-0.2481 over the Oxford rows, 12% of the smaller, and its advantage "
                   "0.1179-0.1501, 27%."),
    "rescue": Floor(0.10, "Table 2", "a rescue is a difference of two late drifts (masked minus patched), so it "
                    "carries the drift floor: 10%."),
    "rescue_fraction": Floor(0.15, "Table 2, NOTES['rescue_fraction']", "a ratio whose aggregation the paper does "
                             "not state (mean of per-image ratios or ratio of means: the implied denominators differ "
                             "by group and from Table 1), so wider than the drift floor: 15%."),
    "proxy": Floor(0.10, "section 3.6", "proxy drifts are late context drifts through a ridge map refit on clean "
                   "runs (how the paper fits it is not stated): the drift floor, 10%."),
    "win_fraction": Floor(0.05, "Table 3, section 3.2", "one image of 24 is 4.2% of a win share: 5% lets a count one "
                          "image from a printed count near 24 of 24 agree beyond the binomial error."),
    "tokens": Floor(0.05, "Table 4", "mask sizes depend on the unstated rule that labels a patch object (P3 "
                    "probes it): 5%, below the 6% spread of Table 4's means over its slices (52.4-55.8)."),
}


# Section 3.2's "strong" context-only rescue at the bottleneck is the paper's own: Table 2's single-site context rescue
# fraction, at its smallest over the Oxford rows (the context-dominant claim's 4x3 has no row of its own).
STRONG_CONTEXT_FRACTION = min(TABLE2[s][SINGLE]["rescue_fraction"].value for s in ("8x3", "12x3", "16x3"))

# Minimum effects: where a sentence states a size ("strong ... minimal"), the comparison must reach it, tested one-sided
# by the paired test of (effect - value) per image. A comparison of a patch with a larger one is otherwise won by any
# network, trained or not, by tiny but consistent amounts.
MINIMUM_EFFECTS: dict[str, MinimumEffect] = {
    "context_over_masked": MinimumEffect(
        round(STRONG_CONTEXT_FRACTION / 2, 4), "section 3.2; Table 2 (single, context rescue fraction)",
        "restoring only visible-context tokens 'yields strong late context rescue, whereas restoring only masked tokens "
        f"has minimal effect': strong is the paper's own context-only fraction ({STRONG_CONTEXT_FRACTION}, Table 2's smallest "
        "Oxford row), and a minimal masked-only rescue is under half of it (the masked-only bound, 0.2, is below that), so the "
        f"context-only minus masked-only rescue fraction is at least the other half: {round(STRONG_CONTEXT_FRACTION / 2, 4)}."),
}

@dataclass(frozen=True)
class Cell:
    """One numeric table cell to compare, with the floor of its tolerance and, for a win share, the printed count."""

    id: str  # e.g. "table1/8x3/advantage"
    paper: PaperValue
    floor: str  # key of FLOORS
    count: PaperCount | None = None  # a win share's printed "k of n" (its binomial error is the paper's s.e.)


def _win_share(count: PaperCount) -> PaperValue:
    """A printed win count as the share of images it is, for a numeric cell."""
    return _pv(count.fraction, count.source, f"{count.note}: {count.wins}/{count.n}")


# Cells left out as the same measurement twice: Table 3's I-JEPA 1k advantage restates Table 1's 8x3 row (the same
# checkpoint, slice and images), and Table 4's background and visible-context rows are fixed by its object row
# (equal budgets by construction; 256 minus it).
RESTATED = ("table3/ijepa_1k/advantage", *(f"table4/{s}/{k}" for s in TABLE4 for k in ("background_tokens", "visible_context")))


def cells() -> list[Cell]:
    """Every numeric cell of Tables 1-4 and the section 3.6 proxy, once each, for per-cell parametrization."""
    out = [Cell(f"table1/{s}/{k}", v, "drift") for s, row in TABLE1.items() for k, v in row.items()]
    out += [Cell(f"table2/{s}/{g}/{k}", v, k)
            for s, groups in TABLE2.items() for g, row in groups.items() for k, v in row.items()]
    out += [Cell(f"table3/{f}/advantage", row["advantage"], "drift") for f, row in TABLE3.items()]
    out += [Cell(f"table3/{f}/wins", _win_share(row["wins"]), "win_fraction", row["wins"]) for f, row in TABLE3.items()]
    out += [Cell("wins/voc8x3", _win_share(VOC_WINS), "win_fraction", VOC_WINS)]
    out += [Cell(f"table4/{s}/{k}", v, "tokens") for s, row in TABLE4.items() for k, v in row.items()]
    out += [Cell(f"proxy/{k}", v, "proxy") for k, v in PROXY.items()]
    return [c for c in out if c.id not in RESTATED]


# Things in the paper a replication record should state plainly.
NOTES: dict[str, Note] = {
    "grid": Note(
        "inconsistency", "Table 4 caption (appendix A.2)",
        "Table 4 speaks of a '14x14 ViT-H patch grid' on 224x224 inputs with 256 patches.",
        "Patch size is 14; 224 / 14 = 16, so the grid is 16 x 16 = 256 tokens.",
    ),
    "layer_index": Note(
        "inconsistency", "sections 2.2, 2.5, 3.6",
        "'Late layers (28-32)' and 'layer_31 -> layer_32' need 33 indices; site names "
        "('29.intermediate', '30.attn.out', '31.attn.out') use block indices 0-31.",
        "Default reading block_output: layer l is the output of block l (0-based), sites are "
        "blocks, the late window is the outputs of blocks 30-31 and layer_32 the final normalised "
        "output, so every patched site (up to 31.attn.out) reaches the window. P3 also runs "
        "hidden_states_1based (site l in block l-1) and hidden_states with 0-based sites, under "
        "which 31.attn.out cannot reach hidden_states[30..31].",
    ),
    "site_vocabulary": Note(
        "inconsistency", "appendix A.1 vs sections 3.1-3.3",
        "Appendix A.1 names sites in timm words ('mlp.fc1', 'attn.proj'); the main text in "
        "transformers 4.x words ('intermediate', 'attention.output').",
        "Both resolve through one alias table to the same modules.",
    ),
    "rounding": Note(
        "inconsistency", "Table 1",
        "object - background differs from the printed advantage by 0.0001 in rows 8x3, 12x3 "
        "and VOC 8x3 (e.g. 0.2410 - 0.0989 = 0.1421 vs +0.1420).",
        "Four-decimal rounding of each printed cell; agreement is checked within 1e-4.",
    ),
    "rescue_fraction": Note(
        "unstated", "Table 2, section 2.5",
        "rescue / fraction implies a masked late drift of 0.2759, 0.2860, 0.2884 for the three "
        "8x3 groups: it differs by group and from Table 1 (object 0.2410).",
        "The fraction is presumably the mean of per-image fractions, not a ratio of means, over "
        "masks the table does not name; both aggregations are reported.",
    ),
    "attainable_p": Note(
        "unstated", "sections 2.4, 3.2",
        "An exact two-sided sign-flip test on n = 12 images (4x3) cannot go below 2 / 2^12 = "
        "0.00049; 'p < 0.001' there needs 11 of 12 wins with the loss the smallest difference.",
        "Exact p is reported beside the smallest attainable p.",
    ),
    "proxy_order": Note(
        "unstated", "section 3.6",
        "The proxy rescue of the MLP pair (0.1512) exceeds the triple's (0.1505), unlike Table 2.",
        "The proxy claim asserts pair and triple > single only, as the paper words it.",
    ),
    "stats_summary": Note(
        "unstated", "section 2.4",
        "CIs and p-values are said to be in 'paper/stats_summary.json', which is not published; "
        "neither are the slices' image ids.",
        "Numeric agreement derives each cell's tolerance from the measured sampling error (the paper's taken "
        "equal to it) plus a named relative floor (FLOORS); directional claims are primary.",
    ),
}
