"""Planted tables of the claims C14 onwards (lib/claim/text_claims.py): the `pathway` and `excess` tables.

`TextTables` is a base of `Planted` (tests/planted.py), so every planted source has these kinds too; with
default knobs every claim C14 onwards holds, and each knob below breaks one condition of one check
(tests/test_text_claims.py).

| knob                 | what it plants                                                              |
|----------------------|-----------------------------------------------------------------------------|
| final_share          | fraction of the final output's drift a context-only bottleneck patch removes |
| final_mixed          | final rescue +0.05 on images of small final drift, -0.05 on large: mean 0   |
| pathway_rescue       | {(group, mode): late rescue} over the defaults of PATHWAY_RESCUE             |
| excess               | {site: object - background rescue} over the defaults of EXCESS               |
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from jepa_claims.engine.tabulate import RESCUE_COLUMNS
from jepa_claims.tables.pathway import PATHWAY_COLUMNS

PATHWAY_RESCUE = {("single", "full"): 0.17, ("single", "context"): 0.15, ("single", "masked"): 0.02,
                  ("triple", "context"): 0.19, ("attention", "context"): 0.04}
GROUP_SITES = {"single": "29.intermediate", "triple": "29.intermediate + 30.attn.out + 31.attn.out",
               "attention": "30.attn.out + 31.attn.out"}
LATE_MASKED, FINAL_MASKED = 0.25, 0.3
# Object - background rescue per late site: the bottleneck MLP carries the largest excess, the late
# attention outputs a narrower one at the very end, every other site a trace.
EXCESS = {"29.intermediate": 0.08, "30.attn.out": 0.03, "31.attn.out": 0.02, "31.value": 0.01, "28.intermediate": 0.01}
BACKGROUND_RESCUE = 0.02


class TextTables:
    """Planted `pathway` and `excess` tables (mixed into tests/planted.py's Planted: uses its k and _images)."""

    def _pathway(self, checkpoint, slice_name):
        rescue = PATHWAY_RESCUE | self.k("pathway_rescue", {})
        rows = []
        for index, (image, _, size) in enumerate(self._images(slice_name)):
            for (group, mode), value in rescue.items():
                late = value + 0.004 * np.sin(index + size + 3 * len(group) + len(mode))  # per image and run: CIs not degenerate
                final_masked, final = self._final(index, group, mode, late)
                rows.append((image, "object", group, GROUP_SITES[group], mode, LATE_MASKED, LATE_MASKED - late, late,
                             late / LATE_MASKED, final_masked, final_masked - final, final, final / final_masked,
                             final_masked, final_masked - final))
        return pd.DataFrame(rows, columns=PATHWAY_COLUMNS)

    def _final(self, index: int, group: str, mode: str, late: float) -> tuple[float, float]:
        """(masked final drift, final rescue) of one image: planted for the context-only bottleneck, else proportional."""
        if (group, mode) != ("single", "context"):
            return FINAL_MASKED, late * FINAL_MASKED / LATE_MASKED
        if self.k("final_mixed", False):  # large fractions on small drifts, losses on large ones: mean rescue 0
            return (0.08, 0.05) if index % 2 == 0 else (0.5, -0.05)
        share = self.k("final_share", 0.4)
        return FINAL_MASKED, share * FINAL_MASKED + 0.1 * late * np.sin(index)

    def _excess(self, checkpoint, slice_name):
        excess = EXCESS | self.k("excess", {})
        rows = []
        for index, (image, _, _) in enumerate(self._images(slice_name)):
            for block in range(26, 32):
                for kind in ("intermediate", "attn.out", "value"):
                    site = f"{block}.{kind}"
                    background = BACKGROUND_RESCUE + 0.002 * np.sin(index + block)
                    spread = 1 + 0.3 * np.cos(index + block + len(kind))  # per image and site: paired CIs have width
                    for mask, value in (("object", background + excess.get(site, 0.0) * spread),
                                        ("background", background)):
                        rows.append((image, mask, site, "context", LATE_MASKED, LATE_MASKED - value, value, value / LATE_MASKED))
        return pd.DataFrame(rows, columns=RESCUE_COLUMNS)

