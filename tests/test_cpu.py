"""Threads per process: the share of the cores, container quotas, and sums that do not depend on threads."""
from __future__ import annotations

import os

import pytest
import torch

from jepa_claims.engine.cpu import _quota_cores, _v2_quota_files, available_cores, one_thread, share_of_cores, use_threads
from jepa_claims.tables.ridge import fit_ridge


@pytest.fixture
def threads_restored():
    """Leave torch's thread count as the test found it."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_share_of_cores_divides_and_never_reaches_zero():
    """Four workers on 2 cores get one thread each; one process gets both."""
    assert share_of_cores(4, cores=2) == 1
    assert share_of_cores(2, cores=2) == 1
    assert share_of_cores(1, cores=2) == 2
    assert share_of_cores(3, cores=16) == 5
    assert share_of_cores(0, cores=2) == 2


def test_quota_cgroup_v2(tmp_path):
    """cpu.max: 'max' is no quota; 150000/100000 is 1.5 cores, which rounds up to 2."""
    v2 = tmp_path / "cpu.max"
    v2.write_text("max 100000\n")
    assert _quota_cores([v2], tmp_path / "absent", tmp_path / "absent") is None
    v2.write_text("150000 100000\n")
    assert _quota_cores([v2], tmp_path / "absent", tmp_path / "absent") == 2
    v2.write_text("50000 100000\n")
    assert _quota_cores([v2], tmp_path / "absent", tmp_path / "absent") == 1


def test_quota_cgroup_v1(tmp_path):
    """cfs_quota_us -1 is no quota; 200000 over a 100000 period is 2 cores."""
    quota, period = tmp_path / "cpu.cfs_quota_us", tmp_path / "cpu.cfs_period_us"
    period.write_text("100000\n")
    quota.write_text("-1\n")
    assert _quota_cores([tmp_path / "absent"], quota, period) is None
    quota.write_text("200000\n")
    assert _quota_cores([tmp_path / "absent"], quota, period) == 2


def test_quota_on_a_parent_cgroup_counts(tmp_path):
    """cgroup v2: the process's own cgroup has no limit, a parent slice has 3 cores: 3, found from /proc/self/cgroup."""
    root = tmp_path / "cgroup"
    (root / "user.slice" / "job").mkdir(parents=True)
    (root / "cpu.max").write_text("max 100000\n")
    (root / "user.slice" / "cpu.max").write_text("300000 100000\n")
    (root / "user.slice" / "job" / "cpu.max").write_text("max 100000\n")
    proc = tmp_path / "cgroup-of-self"
    proc.write_text("0::/user.slice/job\n")
    files = _v2_quota_files(root, proc)
    assert files == [root / "user.slice" / "job" / "cpu.max", root / "user.slice" / "cpu.max", root / "cpu.max"]
    assert _quota_cores(files, tmp_path / "absent", tmp_path / "absent") == 3


def test_available_cores_is_within_the_affinity():
    """Never more than the cores this process may be scheduled on."""
    assert 1 <= available_cores() <= len(os.sched_getaffinity(0))


def test_self_test_workers_take_their_share():
    """Under `pytest tests/ -n 2` each worker runs torch on its share (tests/conftest.py), not on every core."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers is None:
        pytest.skip("not under xdist")
    assert torch.get_num_threads() == share_of_cores(int(workers))


def test_one_thread_restores_the_count(threads_restored):
    """The scope pins one thread and gives the previous count back, even on error."""
    use_threads(2)
    with pytest.raises(RuntimeError), one_thread():
        assert torch.get_num_threads() == 1
        raise RuntimeError("inside")
    assert torch.get_num_threads() == 2


def test_ridge_bits_do_not_depend_on_threads(threads_restored):
    """C11's ridge fit is bit-identical on 1 and 2 threads, where a plain x^T x over 12k rows is not."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(12000, 64, generator=generator, dtype=torch.float64)  # [rows, dim]
    y = torch.randn(12000, 64, generator=generator, dtype=torch.float64)
    fits, grams = [], []
    for threads in (1, 2):
        use_threads(threads)
        fits.append(fit_ridge(x, y))
        grams.append(x.T @ x)
    assert torch.equal(fits[0], fits[1])
    if torch.equal(grams[0], grams[1]):
        pytest.skip("this CPU sums x^T x the same on 1 and 2 threads: nothing to guard against here")
