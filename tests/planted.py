"""Planted measurement tables: a world whose truth is set by hand, to show each verdict can fail.

`Planted(**knobs)` is a table source for the claims' checks (claims/test_cNN_*.py: table(kind, checkpoint, slice), roles, conv).
With default knobs every claim holds; each knob breaks one claim (see tests/test_checks.py) or one
condition of a claim's check (tests/test_conditions.py, tests/test_conditions_each.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jepa_claims.conventions import Conventions
from jepa_claims.roles import Roles
from jepa_claims.tables.heads import HEADS_COLUMNS, NO_HEAD
from planted_text import TextTables

DEPTH = 32  # the paper's roles: bottleneck block 29, late attention 30-31, late window 30-31
SLICE_SIZES = {"4x3": 4, "8x3": 8, "12x3": 12, "16x3": 16, "voc8x3": 8}
BASE_ADVANTAGE = {"ijepa_1k": 0.12, "ijepa_22k": 0.08, "beit": 0.2, "mae": 0.0}


@dataclass
class Planted(TextTables):
    """Hand-set tables; knobs change one property each."""

    knobs: dict = field(default_factory=dict)
    conv: Conventions = Conventions()

    def roles(self, checkpoint: str) -> Roles:
        """The paper's roles at depth 32."""
        return Roles.for_depth(DEPTH)

    def k(self, name: str, default):
        """A knob's value."""
        return self.knobs.get(name, default)

    def _images(self, slice_name: str) -> list[tuple[str, str, int]]:
        """(image id, class, object tokens) for n classes x 3 images, sizes spread 20..80."""
        n = SLICE_SIZES[slice_name]
        sizes = np.linspace(20, 80, n * 3).round().astype(int)
        return [(f"{slice_name}_{i:02d}", f"class{i // 3}", int(sizes[i])) for i in range(n * 3)]

    def table(self, kind: str, checkpoint: str, slice_name: str) -> pd.DataFrame:
        """The planted table."""
        return getattr(self, f"_{kind}")(checkpoint, slice_name)

    def _masks(self, checkpoint, slice_name):
        bg_shift, per_image = self.k("unequal_budget", 0), self.k("budget_shift", {})  # {image id: extra background tokens}
        rows = [(i, c, m, t + (bg_shift + per_image.get(i, 0) if m == "background" else 0), 256)
                for i, c, t in self._images(slice_name) for m in ("object", "background", "bg_rect", "rect")]
        return pd.DataFrame(rows, columns=["image_id", "class_name", "mask", "tokens", "patches"])

    def _advantage(self, checkpoint: str, slice_name: str, index: int, size: int) -> float:
        """Per-image object-minus-background late drift."""
        base = BASE_ADVANTAGE[checkpoint] * self.k("advantage_scale", 1.0)
        if checkpoint == "ijepa_1k" and slice_name in ("12x3", "16x3"):
            base *= self.k("large_slice_scale", 1.1)
        if checkpoint == "mae":
            return self.k("mae_advantage", 0.0) + self.k("mae_noise", 0.02) * np.sin(index * 2.1)
        by_hand = self.k("advantages", {})  # per-image object - background by slice, or by (checkpoint, slice) first
        override = by_hand.get((checkpoint, slice_name), by_hand.get(slice_name))
        return override[index] if override is not None else base * (0.7 + 0.6 * size / 80) + 0.005 * np.sin(index)

    def _semantic(self, checkpoint, slice_name):
        rows = []
        for index, (image, _, size) in enumerate(self._images(slice_name)):
            adv = self._advantage(checkpoint, slice_name, index, size)
            late = {"object": 0.1 + adv, "background": 0.1, "bg_rect": 0.1 + 0.3 * adv, "rect": 0.1 + 0.5 * adv}
            rect_gap = self.k("rect_gaps", {}).get(slice_name)  # per-image object - matched-area rectangle, by hand
            if rect_gap is not None:
                late["bg_rect"] = late["object"] - rect_gap[index]
            for mask, value in late.items():
                for layer in range(DEPTH + 1):
                    drift = value * min(1.0, layer / (DEPTH - 2))
                    rows.append((image, mask, layer, drift, 2 * drift, drift))
        return pd.DataFrame(rows, columns=["image_id", "mask", "layer", "global_drift", "masked_drift", "context_drift"])

    def _group_rescue(self, checkpoint: str, group: str, mode: str, size: int, class_name: str = "") -> float:
        """Planted rescue per group: single < pair < triple, context >> masked."""
        base = {"single": 0.05, "pair": 0.08, "triple": 0.09 + self.k("triple_size_slope", 0.0003) * size}[group]
        if group == "triple":
            base -= self.k("triple_deficit", 0.0)
        if group == "pair":
            base -= self.k("pair_deficit", 0.0)
        if checkpoint == "ijepa_22k":
            base *= self.k("rescue_scale_22k", 0.8)
        if mode == "masked":
            base *= self.k("masked_share_by_class", {}).get(class_name, self.k("masked_share", 0.1))
        elif group == "single":
            base *= self.k("single_context_scale", 1.0)
        return base

    def _rescue(self, checkpoint, slice_name):
        names = {g: " + ".join(s) for g, s in self.roles(checkpoint).groups().items()}
        rows = []
        masked_drift = {"single": 0.2, "pair": 0.2, "triple": 0.2} | self.k("group_masked_drift", {})  # fraction's denominator
        noise = self.k("context_noise", 0.0)  # +a, -a, 0 on the three images of a class: class means unchanged
        for index, (image, class_name, size) in enumerate(self._images(slice_name)):
            for mask in ("object", "background"):
                for group, sites in names.items():
                    for mode in ("context", "masked"):
                        r, m = self._group_rescue(checkpoint, group, mode, size, class_name), masked_drift[group]
                        r += noise * (1, -1, 0)[index % 3] if (group, mode) == ("single", "context") else 0.0
                        rows.append((image, mask, sites, mode, m, m - r, r, r / m))
        return pd.DataFrame(rows, columns=["image_id", "mask", "sites", "mode", "late_context_drift_masked",
                                           "late_context_drift_patched", "rescue", "rescue_fraction"])

    def _sweep(self, checkpoint, slice_name):
        peak = self.k("peak_block", 29)
        rows = []
        early, mid = self.k("early_rescue", 0.0), self.k("mid_rescue", 0.0)  # added to the first and middle thirds' MLPs
        by_image = self.k("sweep_by_image", {})
        for index, (image, _, _) in enumerate(self._images(slice_name)):
            for block in range(DEPTH):
                third = (early, mid, 0.0)[min(2, block // (DEPTH // 3))]
                mlp = 0.05 * np.exp(-abs(block - peak)) + 0.002 * block + third
                attn = self.k("attention_by_block", {}).get(block, self.k("attention_rescue", 0.001))
                stream = self.k("value_by_block", {}).get(block, 0.0005)  # value streams: a trace unless planted
                for kind, value in (("intermediate", mlp), ("attn.out", attn), ("value", stream)):
                    if f"{block}.{kind}" in by_image:  # (mean, per-image deviations) set by hand
                        mean, deviations = by_image[f"{block}.{kind}"]
                        value = mean + deviations[index]
                    rows.append((image, "object", f"{block}.{kind}", "context", 0.2, 0.2 - value, value, value / 0.2))
        return pd.DataFrame(rows, columns=["image_id", "mask", "sites", "mode", "late_context_drift_masked",
                                           "late_context_drift_patched", "rescue", "rescue_fraction"])

    def _geometry(self, checkpoint, slice_name):
        onset_layer, small_onset = self.k("onset_layer", 25), self.k("small_onset_layer", None)  # None: never
        rows = []
        for image, _, _ in self._images(slice_name):
            for area in (0.02, 0.1, 0.3, 0.5):
                for aspect in (1.0, 4.0):
                    start = onset_layer + (self.k("elongated_lag", 1) if aspect == 4.0 else 0)
                    if area < 0.1:
                        start = DEPTH + 1 if small_onset is None else small_onset
                    for layer in range(DEPTH + 1):
                        above = layer >= start
                        drift = 0.1 if above else self.k("small_drift", 0.01)
                        rows.append((image, f"rect:{area}:{aspect}", layer, drift, drift, drift, area, aspect, 1))
        return pd.DataFrame(rows, columns=["image_id", "mask", "layer", "global_drift", "masked_drift",
                                           "context_drift", "area", "aspect", "tokens"])

    def _panel(self, checkpoint, slice_name):
        names = {g: " + ".join(s) for g, s in self.roles(checkpoint).groups().items()}
        rows = []
        for image, _, size in self._images(slice_name):
            for budget in ("small", "medium", "full"):
                for group, sites in names.items():
                    r = self._group_rescue(checkpoint, group, "context", size)
                    if group == "triple":  # the triple's shortfall at one budget
                        r -= ({"medium": self.k("panel_medium_deficit", 0.0)} | self.k("panel_deficits", {})).get(budget, 0.0)
                    rows.append((image, f"object:{budget}", sites, "context", 0.2, 0.2 - r, r, r / 0.2, budget))
        return pd.DataFrame(rows, columns=["image_id", "mask", "sites", "mode", "late_context_drift_masked",
                                           "late_context_drift_patched", "rescue", "rescue_fraction", "budget"])

    def _proxy(self, checkpoint, slice_name):
        levels = {"clean": self.k("clean_proxy", 0.02), "masked": 0.3, "single": 0.2, "pair": 0.15, "triple": 0.15}
        levels |= self.k("proxy_levels", {})
        rows = []
        for image, _, _ in self._images(slice_name):
            for mask in ("object", "background"):
                for condition, value in levels.items():
                    context = value if mask == "object" or condition == "clean" else value * self.k("background_proxy_share", 0.4)
                    rows.append((image, mask, condition, value, context))
        return pd.DataFrame(rows, columns=["image_id", "mask", "condition", "proxy_global_drift", "proxy_context_drift"])


def planted_heads_table(carrier_gain: float) -> pd.DataFrame:
    """P7's heads table (lib/tables/heads.py) of 12 images: pair 0.02 above single, head 1 of block 30 adds `carrier_gain`, the others nothing."""
    rng = np.random.default_rng(0)
    single = 0.1 + rng.normal(0, 0.01, 12)
    rows = {("single", NO_HEAD, NO_HEAD): single, ("pair", NO_HEAD, NO_HEAD): single + 0.02 + rng.normal(0, 0.002, 12),
            ("triple", NO_HEAD, NO_HEAD): single + carrier_gain, ("all_heads", NO_HEAD, NO_HEAD): single + carrier_gain}
    for block in (30, 31):
        for head in range(2):
            gain = carrier_gain if (block, head) == (30, 1) else 0.0
            rows[("alone", block, head)] = np.full(12, gain / 2)
            rows[("with_bottleneck", block, head)] = single + gain + rng.normal(0, 0.002, 12)
    return pd.DataFrame([(f"img{i}", "object", g, b, h, "", 0.3, 0.3 - v, v, v / 0.3)
                         for (g, b, h), values in rows.items() for i, v in enumerate(values)], columns=HEADS_COLUMNS)
