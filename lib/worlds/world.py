"""Worlds: which checkpoints, which data, and which layers play the paper's roles.

Claims speak of roles (bottleneck MLP, late attention, late window), never of literal layer numbers;
a world maps roles to layers. `paper` is the paper's four checkpoints on Oxford-IIIT Pet and VOC
2012; `toy` is small encoders built by code on synthetic scenes in the same on-disk layouts.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

PAPER_SLICES = ("4x3", "8x3", "12x3", "16x3", "voc8x3")
# Where a checkpoint's roles are discovered: its claims are then confirmed on the other, disjoint slices
# (the Pet slices take disjoint images per breed, lib/data/slices.py), never on this one.
DISCOVERY_SLICE = "12x3"
SLICE_DATASETS = {"4x3": "pets", "8x3": "pets", "12x3": "pets", "16x3": "pets", "voc8x3": "voc"}


@dataclass(frozen=True)
class CheckpointSpec:
    """One checkpoint of a world."""

    key: str  # ijepa_1k, ijepa_22k, mae, beit
    family: str  # ijepa, vit_mae, beit
    source: str  # hub id (paper) or toy model name (toy)
    label: str  # how the report names it
    revision: str | None = None
    hub_cache: Path | None = None  # where a hub checkpoint is looked up (None: huggingface_hub's own cache)
    stands_for: str | None = None  # a user's own checkpoint is tested on this paper checkpoint's claim cells
    discover_roles: bool = False  # roles found on DISCOVERY_SLICE, claims confirmed on the other slices only
    roles_from: str | None = None  # discovery reads this source's tables, not its own (P1's untrained copy: the trained one)


def _pinned(key: str, family: str, repo: str, label: str) -> CheckpointSpec:
    """A paper checkpoint at the revision `jepa-claims fetch` downloads."""
    from jepa_claims.data.fetch import MODEL_REVISIONS

    return CheckpointSpec(key, family, repo, label, MODEL_REVISIONS[repo])


PAPER_CHECKPOINTS = (
    _pinned("ijepa_1k", "ijepa", "facebook/ijepa_vith14_1k", "I-JEPA ViT-H/14 (IN-1k)"),
    _pinned("ijepa_22k", "ijepa", "facebook/ijepa_vith14_22k", "I-JEPA ViT-H/14 (IN-22k)"),
    _pinned("mae", "vit_mae", "facebook/vit-mae-base", "ViT-MAE base"),
    _pinned("beit", "beit", "microsoft/beit-base-patch16-224-pt22k-ft22k", "BEiT base pt22k-ft22k"),
)
TOY_CHECKPOINTS = (
    CheckpointSpec("ijepa_1k", "ijepa", "toy:ijepa_1k", "toy I-JEPA (planted pathway)"),
    CheckpointSpec("ijepa_22k", "ijepa", "toy:ijepa_22k", "toy I-JEPA, second checkpoint"),
    CheckpointSpec("mae", "vit_mae", "toy:mae", "toy MAE-like (no object signal)"),
    CheckpointSpec("beit", "beit", "toy:beit", "toy BEiT-like (object signal)"),
)


@dataclass(frozen=True)
class World:
    """Checkpoints, slices and data root of one world."""

    name: str
    checkpoints: tuple[CheckpointSpec, ...]
    slices: tuple[str, ...]
    data_root: Path
    banner: str | None = None
    notes: dict = field(default_factory=dict)
    skip_unreadable: bool = False  # list unreadable images in the manifest instead of stopping (real data only)
    discovery_slice: str = DISCOVERY_SLICE  # where roles are discovered for checkpoints that discover them

    def checkpoint(self, key: str) -> CheckpointSpec:
        """The checkpoint with this key, or a clear error."""
        for spec in self.checkpoints:
            if spec.key == key:
                return spec
        raise KeyError(f"world {self.name!r} has no checkpoint {key!r}; it has {[c.key for c in self.checkpoints]}")

    def with_stand_ins(self, cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Claim cells plus, for each checkpoint standing in for another, that one's cells under its own key."""
        extra = [(spec.key, sl) for spec in self.checkpoints if spec.stands_for
                 for ck, sl in cells if ck == spec.stands_for]
        return [*cells, *extra]

    def confirmation_slices(self, key: str) -> tuple[str, ...]:
        """The selected slices a checkpoint's claims may read: all, less the discovery slice where roles are discovered."""
        return tuple(s for s in self.slices if not (self.checkpoint(key).discover_roles and s == self.discovery_slice))

    def select(self, checkpoints: tuple[str, ...] | None, slices: tuple[str, ...] | None) -> "World":
        """The same world restricted to some checkpoints and slices (unknown names are errors)."""
        chosen = tuple(self.checkpoint(k) for k in checkpoints) if checkpoints else self.checkpoints
        unknown = sorted(set(slices or ()) - set(self.slices))
        if unknown:
            raise ValueError(f"unknown slices {unknown}; world {self.name!r} has {list(self.slices)}")
        return replace(self, checkpoints=chosen, slices=tuple(slices) if slices else self.slices)


TOY_BANNER = (
    "TOY WORLD - this is not a replication. The claims ran on small encoders built by code with a "
    "planted mechanism, on synthetic scenes. To replicate the paper, run `jepa-claims fetch "
    "--data-root DATA` and then `pytest claims/ -n 4 --world paper --data-root DATA`."
)


def paper_world(data_root: Path, hub_cache: Path | None = None) -> World:
    """The paper's checkpoints (looked up in `hub_cache`) and slices; nothing is downloaded here (see `jepa-claims fetch`)."""
    checkpoints = tuple(replace(spec, hub_cache=hub_cache) for spec in PAPER_CHECKPOINTS)
    return World("paper", checkpoints, PAPER_SLICES, Path(data_root))


def toy_world(cache_dir: Path) -> World:
    """Synthetic scenes written (once) into the official layouts, with toy encoders."""
    from jepa_claims.cache import build_once
    from jepa_claims.data.synthetic import write_all
    from jepa_claims.toy.variants import variant_rows

    root = build_once(Path(cache_dir) / "toy-data", lambda folder: write_all(folder, seed=0))
    return World("toy", TOY_CHECKPOINTS, PAPER_SLICES, root, banner=TOY_BANNER, notes={"variants": variant_rows()})
