"""One read-back a forward batch (lib/engine/host.py): a table's forward batch brings its measured values to the host
at its end, in one `to_host`, and reads no tensor back anywhere else (on a GPU, each read waits for the queue to drain).
Counted on the CPU by wrapping every tensor method that reads a value back to Python."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny_world import tiny_world

from jepa_claims.conventions import Conventions
from jepa_claims.engine import drift, host, tabulate
from jepa_claims.engine.batching import Batch
from jepa_claims.engine.drift import drift_profile_tensors, drift_profiles
from jepa_claims.engine.host import take, to_device
from jepa_claims.engine.sites import parse_sites
from jepa_claims.engine.runs import COUNTER
from jepa_claims.engine.tabulate import MaskJob, place_group, run_chunk
from jepa_claims.tables import heads, pathway, proxy
from jepa_claims.tables.store import TableStore

READS = ("cpu", "item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__", "__array__")
KINDS = ("semantic", "rescue", "pathway", "heads", "proxy")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The store tests' tiny world: one depth-4 checkpoint, 12 images of 4x3."""
    return tiny_world(tmp_path_factory.mktemp("world"))


class ReadLog:
    """Tensor reads to the host, forward batch by forward batch: its read-backs (`to_host`, `host_copies`) and every
    other read."""

    def __init__(self, monkeypatch):
        self.batches: list[list[str]] = []
        self.copying = 0  # depth of to_host / host_copies calls: what they read is the batch's one read-back
        for name in READS:
            self._wrap(monkeypatch, torch.Tensor, name)
        for module in (host, drift, tabulate, pathway, heads, proxy):
            for name in ("to_host", "host_copies"):
                if hasattr(module, name):
                    monkeypatch.setattr(module, name, self._scope(getattr(host, name)))
        real_fit, real_pieces = tabulate.fit_memory, tabulate.fit_pieces
        monkeypatch.setattr(tabulate, "fit_memory", lambda jobs, compute, device: real_fit(jobs, self.batch(compute), device))
        monkeypatch.setattr(proxy, "fit_pieces", lambda jobs, compute, device: real_pieces(jobs, self.batch(compute), device))

    def _wrap(self, monkeypatch, owner, name: str) -> None:
        real = getattr(owner, name)

        def read(tensor, *args, **kwargs):
            self._note(name)
            return real(tensor, *args, **kwargs)

        monkeypatch.setattr(owner, name, read)

    def _note(self, event: str) -> None:
        if self.batches and self.batches[-1] is not None and not self.copying:
            self.batches[-1].append(event)

    def _scope(self, real):
        """`real` (to_host or host_copies), logged as one read-back, the reads inside it not."""
        def read_back(values, **kwargs):
            self._note("to_host")
            self.copying += 1
            try:
                return real(values, **kwargs)
            finally:
                self.copying -= 1
        return read_back

    def batch(self, compute):
        """compute, logging what it reads as one forward batch."""
        def logged(jobs):
            self.batches.append([])
            try:
                return compute(jobs)
            finally:
                self.batches.append(None)  # reads between batches (laying out rows) are not a batch's
        return logged

    def per_batch(self) -> list[list[str]]:
        """The events of each forward batch."""
        return [events for events in self.batches if events is not None]


@pytest.mark.parametrize("kind", KINDS)
def test_a_forward_batch_reads_its_values_back_once_at_its_end(world, tmp_path, monkeypatch, kind):
    """Every forward batch of the table (whole row chunks, 64 jobs at most) reads back once, in one `to_host`, or not at
    all (the proxy's clean pass copies its kept states after the batch)."""
    store = TableStore(world, tmp_path, Conventions(), batch_size=Batch(rows=8, jobs=64))
    log = ReadLog(monkeypatch)
    store.table(kind, "ijepa_1k", "4x3")
    batches = log.per_batch()
    assert batches, "no forward batch was logged"
    assert all(events in ([], ["to_host"]) for events in batches), batches
    assert any(events == ["to_host"] for events in batches)


def test_the_read_log_sees_a_read_the_numpy_drift_makes_inside_a_batch(monkeypatch):
    """The public numpy drift_profiles (it checks the masks and reads back) logs reads where the device variant logs
    none: the count above can fail."""
    tokens = np.zeros(16, dtype=bool)
    tokens[:3] = True
    clean, other = torch.randn(2, 1, 17, 8), torch.randn(2, 1, 17, 8)
    masked = torch.from_numpy(tokens[None])
    log = ReadLog(monkeypatch)
    log.batch(lambda jobs: drift_profile_tensors(clean, other, masked, 1))([])
    log.batch(lambda jobs: drift_profiles(clean, other, masked, 1))([])
    device, numpy = log.per_batch()
    assert device == [] and "cpu" in numpy and numpy[-1] == "to_host"


def test_a_mask_that_hides_nothing_or_everything_is_refused_before_any_forward(world, tmp_path):
    """The masks are checked on the host where a batch is built: no block runs for a batch that cannot be measured."""
    encoder = TableStore(world, tmp_path, Conventions()).encoder("ijepa_1k")
    images = {"a": torch.zeros(3, encoder.geometry.size, encoder.geometry.size)}
    patches = encoder.grid ** 2
    for tokens in (np.zeros(patches, dtype=bool), np.ones(patches, dtype=bool)):
        before = COUNTER.blocks
        with pytest.raises(ValueError, match=r"hide at least one patch and leave at least one visible: a \(object\)"):
            run_chunk(encoder, images, [MaskJob("a", "object", tokens)], (), Conventions())
        assert COUNTER.blocks == before


def test_take_is_list_indexing_and_a_cpu_value_comes_back_as_it_is():
    """`take` gives what `tensor[..., index]` gives (a copy); on a CPU `host_copies` and `to_device` copy nothing."""
    batch = torch.arange(24.0).reshape(2, 3, 4)
    taken = take(batch, 1, [2, 0, 2])
    assert torch.equal(taken, batch[:, [2, 0, 2]]) and taken.data_ptr() != batch.data_ptr()
    assert host.host_copies({"x": batch})["x"].data_ptr() == batch.data_ptr()
    assert to_device(batch, torch.device("cpu")).data_ptr() == batch.data_ptr()
    values = host.to_host({"x": batch, "y": np.ones(2)})
    assert isinstance(values["x"], np.ndarray) and np.array_equal(values["x"], batch.numpy()) and values["y"].sum() == 2


def test_the_proxy_keeps_each_images_states_alone_not_its_batchs_trace(world, tmp_path):
    """The clean pass keeps per image only its own rows: no kept tensor is a view into a batch or a whole trace."""
    store = TableStore(world, tmp_path, Conventions(), batch_size=Batch(rows=8, jobs=64))
    encoder, conv = store.encoder("ijepa_1k"), Conventions()
    inputs = store.inputs("ijepa_1k", "4x3")
    jobs = [job for job in inputs.jobs if job.mask in ("object", "background")]
    d = encoder.depth
    sites = list(dict.fromkeys(s for g in ("single", "pair", "triple")
                               for s in place_group(parse_sites(store.roles("ijepa_1k").groups()[g]), conv, d, measured=(d - 1,))))
    kept, moments = proxy._clean_pass(encoder, inputs, jobs, sites, conv, Batch(rows=8, jobs=64))
    assert set(kept) == set(inputs.images) and len(moments) == len(set(inputs.classes.values()))
    for states in kept.values():
        for value in states.values():
            assert value.untyped_storage().nbytes() == value.numel() * value.element_size()
