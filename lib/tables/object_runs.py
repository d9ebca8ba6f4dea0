"""The set-up of the late-rescue tables that patch named groups on object masks (the pathway table, P7's heads).

Both place their groups by the layer reading, capture every group's sites in one clean and one masked run per
chunk of object-mask jobs, and read the late window; this is that set-up, written once so the two tables
chunk, capture and read the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from jepa_claims.conventions import Conventions
from jepa_claims.engine.sites import Site, parse_sites
from jepa_claims.engine.tabulate import ChunkRuns, MaskJob, Values, chunk_values, place_group, run_chunk


@dataclass(frozen=True)
class ObjectRuns:
    """A table's placed groups, the sites they capture (first use first), its object-mask jobs and late window."""

    groups: dict[Hashable, tuple[Site, ...]]
    sites: list[Site]
    jobs: list[MaskJob]
    late: list[int]  # hidden-state indices of the late window

    def values(self, encoder, images, conv: Conventions, batch,
               measure: Callable[[ChunkRuns], Values]) -> Iterator[tuple[list[MaskJob], Values]]:
        """Each row chunk of jobs with what `measure` read of its clean and masked runs (every group's sites captured),
        run a forward batch of whole row chunks at a time (engine/tabulate.py chunk_values)."""
        compute = lambda part: measure(run_chunk(encoder, images, part, self.sites, conv))
        return chunk_values(encoder, self.jobs, batch, self.sites, compute)


def object_runs(encoder, named: Mapping[Hashable, Sequence[str]], jobs: Sequence[MaskJob], conv: Conventions) -> ObjectRuns:
    """The groups (in the paper's site names) placed for this encoder, their sites, the object-mask jobs, the late window."""
    groups = {key: place_group(parse_sites(sites), conv, encoder.depth) for key, sites in named.items()}
    sites = list(dict.fromkeys(site for group in groups.values() for site in group))
    late = [conv.hidden_index(layer) for layer in conv.late_layers(encoder.depth)]
    return ObjectRuns(groups, sites, [j for j in jobs if j.mask == "object"], late)
