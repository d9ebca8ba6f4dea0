"""Conventions and run configuration: every choice the paper leaves implicit, made explicit."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal, get_args

LayerIndexing = Literal["block_output", "hidden_states_1based", "hidden_states"]
Fill = Literal["black", "mean"]
Normalisation = Literal["processor", "imagenet"]
Background = Literal["farthest", "random", "distance_matched"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Trimap values (Oxford-IIIT Pet README): 1 = pet, 2 = background, 3 = border (unclassified).
TRIMAP_OBJECT_RULES = {"pet+border": (1, 3), "pet": (1,)}
TRIMAP_BACKGROUND = (2,)
# VOC SegmentationClass: 0 = background, 1..20 classes, 255 = void (object boundaries).
VOC_BACKGROUND = (0,)

# The groups of alternative conventions the sensitivity probe reruns claims under; a claim names its groups
# (Claim.rerun_under) and lib/tables/probes.py ALTERNATIVES puts each alternative in one.
LAYER_READING, BACKGROUND_REGION, MASKING = "layer reading", "background region", "fill, normalisation, patch labels"
P3_GROUPS = (LAYER_READING, BACKGROUND_REGION, MASKING)


@dataclass(frozen=True)
class Reading:
    """How the paper's layer numbers index the network: its sites, its drift layers, its windows.

    The paper names sites ("29.intermediate", "31.attn.out") and drift layers ("layers 30-31",
    "late layers 28-32", the proxy's "layer_32") without saying how they index the encoder. A reading
    fixes both with two offsets; everything else (late window, proxy layers, reachability) follows.
    """

    name: str
    site_offset: int  # the paper's site "L.kind" lives in 0-based block L - site_offset
    hidden_offset: int  # the paper's drift layer l is hidden_states[l + hidden_offset]
    sentence: str  # what the reading means and why it is (or is not) the default, in plain words


READINGS: dict[str, Reading] = {
    "block_output": Reading(
        "block_output", 0, 1,
        "Layer reading block_output (the default): the paper's layer l is the output of block l (0-based, as appendix "
        "A.1's timm names mlp.fc1 / attn.proj suggest), site '29.intermediate' is block 29's MLP, the late window "
        "'layers 30-31' is the outputs of blocks 30 and 31, and the proxy's layer_32 is the final normalised output. "
        "Chosen because it is the reading under which every site the paper patches (up to 31.attn.out) can reach the "
        "window it measures, as the paper's 'final-stage rescue' by layer-31 attention requires."),
    "hidden_states_1based": Reading(
        "hidden_states_1based", 1, 0,
        "Layer reading hidden_states_1based: the paper's layer l is hidden_states[l] and site l sits in the block that "
        "produces it (site '29.intermediate' is 0-based block 28); every site the paper patches reaches the window "
        "hidden_states 30-31."),
    "hidden_states": Reading(
        "hidden_states", 0, 0,
        "Layer reading hidden_states with 0-based sites: layer l is hidden_states[l] but site '31.attn.out' is block 31, "
        "whose output is hidden_states[32], outside the window 30-31: the triple's third site cannot change what is "
        "measured. Kept only to show what that reading does (probe P3)."),
}


# Conventions that choose which layers and sites of a run are read and how, never a forward pass's inputs: the
# layer reading, the late window, whether inert sites are patched, the onset threshold.
READOUT_ONLY = ("layer_indexing", "late_window", "allow_inert_sites", "tau")


@dataclass(frozen=True)
class Conventions:
    """Every reading of the paper that changes a number; recorded in the report and switchable."""

    layer_indexing: LayerIndexing = "block_output"  # a name in READINGS
    fill: Fill = "black"
    normalisation: Normalisation = "processor"
    trimap_object: str = "pet+border"
    tau: float = 0.05
    # Late window in the paper's layer numbers (section 2.2: "layers 30-31"). None: the role's
    # default, (depth - 2, depth - 1): (30, 31) at depth 32, mapped to hidden_states by the reading.
    late_window: tuple[int, ...] | None = None
    # Patch groups whose sites cannot change the measured layers are refused unless this is set
    # (P3 sets it to show what the hidden_states reading does to the paper's triple).
    allow_inert_sites: bool = False
    # The zero-overlap background region (lib/engine/masks.py BACKGROUND_RULES); farthest is the original rule.
    background: Background = "farthest"

    def __post_init__(self) -> None:
        if self.layer_indexing not in READINGS:
            raise ValueError(f"layer_indexing must be one of {', '.join(READINGS)}, got {self.layer_indexing!r}")
        if self.fill not in ("black", "mean"):
            raise ValueError(f"fill must be 'black' or 'mean', got {self.fill!r}")
        if self.normalisation not in ("processor", "imagenet"):
            raise ValueError(f"normalisation must be 'processor' or 'imagenet', got {self.normalisation!r}")
        if self.trimap_object not in TRIMAP_OBJECT_RULES:
            raise ValueError(f"trimap_object must be one of {sorted(TRIMAP_OBJECT_RULES)}, got {self.trimap_object!r}")
        if self.background not in get_args(Background):
            raise ValueError(f"background must be one of {', '.join(get_args(Background))}, got {self.background!r}")
        if self.late_window is not None and not self.late_window:
            raise ValueError("late_window must name at least one layer")

    @property
    def reading(self) -> Reading:
        """The layer reading these conventions use."""
        return READINGS[self.layer_indexing]

    @property
    def trimap_object_values(self) -> tuple[int, ...]:
        """Trimap values that count as object pixels under this convention."""
        return TRIMAP_OBJECT_RULES[self.trimap_object]

    def hidden_index(self, layer: int) -> int:
        """Map one of the paper's drift layers to an index into HF hidden_states."""
        return layer + self.reading.hidden_offset

    def layers(self, depth: int) -> range:
        """The paper's drift layers that exist under this reading for an encoder of this depth."""
        return range(depth + 1 - self.reading.hidden_offset)

    def late_layers(self, depth: int) -> tuple[int, ...]:
        """The late window in the paper's layer numbers, checked against the encoder's depth."""
        window = self.late_window if self.late_window is not None else (depth - 2, depth - 1)
        valid = self.layers(depth)
        bad = [layer for layer in window if layer not in valid]
        if bad:
            raise ValueError(f"late window {window} has layers {bad} outside {valid.start}..{valid.stop - 1}")
        return tuple(window)

    def site_layers(self, depth: int) -> range:
        """The paper's site numbers that exist under this reading (one per block)."""
        return range(self.reading.site_offset, depth + self.reading.site_offset)

    def block(self, site_layer: int, depth: int) -> int:
        """The 0-based block holding the paper's site number `site_layer` under this reading."""
        if site_layer not in self.site_layers(depth):
            valid = self.site_layers(depth)
            raise ValueError(f"site layer {site_layer} does not exist under the {self.layer_indexing} reading of a "
                             f"{depth}-block encoder (sites {valid.start}..{valid.stop - 1})")
        return site_layer - self.reading.site_offset

    def reaches(self, site_layer: int, depth: int, measured: Sequence[int] | None = None) -> bool:
        """Whether a patch at this site can change one of the measured layers (default: the late window).

        A block's sites change hidden_states[block + 1] onwards, never an earlier one.
        """
        layers = self.late_layers(depth) if measured is None else measured
        return self.block(site_layer, depth) + 1 <= max(self.hidden_index(layer) for layer in layers)

    def proxy_layers(self, depth: int) -> tuple[int, int | None]:
        """(input, target) hidden_states indices of the predictor proxy "layer depth-1 -> layer depth".

        The target is None where layer `depth` is not a hidden state (block_output: the paper's
        layer_32 is then the final normalised output).
        """
        target = self.hidden_index(depth)
        return self.hidden_index(depth - 1), (target if target <= depth else None)

    @property
    def forward(self) -> "Conventions":
        """These conventions with every choice of what is read from a run (READOUT_ONLY) at its default: conventions
        with the same `forward` run the same forward passes on the same images and masks (lib/engine/shared.py)."""
        return replace(self, **{f.name: f.default for f in fields(self) if f.name in READOUT_ONLY})

    def as_dict(self) -> dict:
        """Plain dict for reports and cache keys."""
        return asdict(self)

    def with_(self, **changes) -> "Conventions":
        """A copy with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def from_pairs(cls, pairs: Sequence[str], base: "Conventions | None" = None) -> "Conventions":
        """Conventions from `name=value` texts (the suite's --convention), over `base` (default: the defaults).

        Values are parsed by the field's default type: tau a number, allow_inert_sites true/false,
        late_window comma-separated layers or `none`; unknown names and bad values are a ValueError.
        """
        conv = base or cls()
        names = [f.name for f in fields(cls)]
        for pair in pairs:
            name, sep, text = (part.strip() for part in pair.partition("="))
            if not sep or name not in names:
                raise ValueError(f"--convention {pair}: expected NAME=VALUE with NAME one of {', '.join(names)}")
            try:  # one pair at a time, so the message names the pair at fault
                conv = replace(conv, **{name: _parse_value(name, text)})
            except ValueError as error:
                raise ValueError(f"--convention {pair}: {error}") from error
        return conv


def _parse_value(name: str, text: str):
    """One --convention value as the field's type (the dataclass then checks the allowed values)."""
    if name == "tau":
        tau = float(text)
        if not (math.isfinite(tau) and tau > 0):
            raise ValueError(f"tau must be a finite number above 0, got {text!r}")
        return tau
    if name == "allow_inert_sites":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"allow_inert_sites must be true or false, got {text!r}")
        return text.lower() == "true"
    if name == "late_window":
        return None if text.lower() == "none" else tuple(int(layer) for layer in text.split(",") if layer.strip())
    return text
