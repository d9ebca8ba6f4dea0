"""Conventions and run configuration: every choice the paper leaves implicit, made explicit."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Literal

LayerIndexing = Literal["hidden_states", "block_output"]
Fill = Literal["black", "mean"]
Normalisation = Literal["processor", "imagenet"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Trimap values (Oxford-IIIT Pet README): 1 = pet, 2 = background, 3 = border (unclassified).
TRIMAP_OBJECT_RULES = {"pet+border": (1, 3), "pet": (1,)}
TRIMAP_BACKGROUND = (2,)
# VOC SegmentationClass: 0 = background, 1..20 classes, 255 = void (object boundaries).
VOC_BACKGROUND = (0,)


@dataclass(frozen=True)
class Conventions:
    """Every reading of the paper that changes a number; recorded in the report and switchable."""

    # "hidden_states": index l is HF hidden_states[l] (0 = embeddings, l = output of block l-1).
    # "block_output": index l is the output of block l (0-based), i.e. hidden_states[l + 1].
    layer_indexing: LayerIndexing = "hidden_states"
    fill: Fill = "black"
    normalisation: Normalisation = "processor"
    trimap_object: str = "pet+border"
    tau: float = 0.05
    # Late window in the chosen indexing (paper, section 2.2: "layers 30-31"). None: the role's
    # default, the two indices before the last one, (depth - 2, depth - 1): (30, 31) at depth 32.
    late_window: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.layer_indexing not in ("hidden_states", "block_output"):
            raise ValueError(f"layer_indexing must be 'hidden_states' or 'block_output', got {self.layer_indexing!r}")
        if self.fill not in ("black", "mean"):
            raise ValueError(f"fill must be 'black' or 'mean', got {self.fill!r}")
        if self.normalisation not in ("processor", "imagenet"):
            raise ValueError(f"normalisation must be 'processor' or 'imagenet', got {self.normalisation!r}")
        if self.trimap_object not in TRIMAP_OBJECT_RULES:
            raise ValueError(f"trimap_object must be one of {sorted(TRIMAP_OBJECT_RULES)}, got {self.trimap_object!r}")
        if self.late_window is not None and not self.late_window:
            raise ValueError("late_window must name at least one layer")

    @property
    def trimap_object_values(self) -> tuple[int, ...]:
        """Trimap values that count as object pixels under this convention."""
        return TRIMAP_OBJECT_RULES[self.trimap_object]

    def hidden_index(self, layer: int) -> int:
        """Map a layer index in this convention to an index into HF hidden_states."""
        return layer if self.layer_indexing == "hidden_states" else layer + 1

    def layers(self, depth: int) -> range:
        """Layer indices that exist in this convention for an encoder of this depth."""
        return range(depth + 1) if self.layer_indexing == "hidden_states" else range(depth)

    def late_layers(self, depth: int) -> tuple[int, ...]:
        """The late window in this convention, checked against the encoder's depth."""
        window = self.late_window if self.late_window is not None else (depth - 2, depth - 1)
        valid = self.layers(depth)
        bad = [layer for layer in window if layer not in valid]
        if bad:
            raise ValueError(f"late window {window} has layers {bad} outside {valid.start}..{valid.stop - 1}")
        return tuple(window)

    def as_dict(self) -> dict:
        """Plain dict for reports and cache keys."""
        return asdict(self)

    def with_(self, **changes) -> "Conventions":
        """A copy with some fields changed."""
        return replace(self, **changes)
