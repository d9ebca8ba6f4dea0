"""Roles: which layers of one encoder play the paper's parts (bottleneck MLP, late attention, windows).

Claims speak of roles, never of literal layer numbers; a world maps roles to layers at each depth.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Roles:
    """Layers playing the paper's roles in one encoder, in the paper's layer numbers.

    The numbers are the paper's at depth 32 and the same relative positions at other depths; the
    layer reading (conventions.Reading) maps site numbers to blocks and layer numbers to hidden states.
    """

    depth: int
    bottleneck: int  # MLP intermediate of the bottleneck (paper: 29)
    mlp_partner: int  # second MLP of the MLP-only pair (paper: 30)
    late_attention: tuple[int, int]  # attention outputs of the triple (paper: 30, 31)
    onset_window: tuple[int, int]  # drift layers where large masks reach onset (paper: 23-29)
    peak_window: tuple[int, int]  # site layers where the depth sweep's rescue peaks (paper: 28-30)
    late_sites: tuple[int, ...]  # site layers whose single sites compete for the bottleneck: the paper's late layers 28-32 as blocks 28-31
    found_on: str | None = None  # the discovery slice the roles were read from (None: placed by relative depth)
    confirmed_on: tuple[str, ...] = ()  # the slices the claims are tested on at discovered roles

    @classmethod
    def for_depth(cls, depth: int) -> "Roles":
        """The paper's roles at depth 32, and the same relative positions at any other depth."""
        scale = depth / 32

        def at(layer: int) -> int:
            return min(depth - 1, round(layer * scale))

        return cls(
            depth=depth, bottleneck=depth - 3, mlp_partner=depth - 2, late_attention=(depth - 2, depth - 1),
            onset_window=(at(23), min(depth, at(29))), peak_window=(at(28), at(30)),
            late_sites=tuple(range(max(0, depth - 4), depth)),
        )

    @classmethod
    def around(cls, depth: int, bottleneck: int, late_attention: tuple[int, int], mlp_partner: int,
               onset_window: tuple[int, int], found_on: str) -> "Roles":
        """Roles found in one encoder: the windows placed around its bottleneck as the paper's are around 29.

        Peak window: the bottleneck and its neighbours (paper: 28-30 around 29); late sites: from the block
        before the bottleneck to the last (paper: 28-31, the late layers 28-32 as blocks).
        """
        return cls(
            depth=depth, bottleneck=bottleneck, mlp_partner=mlp_partner, late_attention=late_attention,
            onset_window=onset_window, peak_window=(max(0, bottleneck - 1), min(depth - 1, bottleneck + 1)),
            late_sites=tuple(range(max(0, bottleneck - 1), depth)), found_on=found_on,
        )

    def groups(self) -> dict[str, tuple[str, ...]]:
        """The three patch groups of Table 2, in the paper's site names."""
        b, p, (a1, a2) = self.bottleneck, self.mlp_partner, self.late_attention
        return {
            "single": (f"{b}.intermediate",),
            "pair": (f"{b}.intermediate", f"{p}.intermediate"),
            "triple": (f"{b}.intermediate", f"{a1}.attn.out", f"{a2}.attn.out"),
        }

    def attention_only(self) -> tuple[str, ...]:
        """The triple's late attention outputs without the bottleneck (section 3.3: "not redundant")."""
        return tuple(f"{a}.attn.out" for a in self.late_attention)
