"""Tests of ganlib.workers: how many worker processes a job gets, and the map over them."""
import pytest

from ganlib import workers


def test_count_follows_the_request_and_the_jobs():
    assert workers.count(3, 2, "cpu") == 2                   # never more workers than jobs
    assert workers.count(1, 8, "cpu") == 1
    assert workers.count(None, 8, "cpu") == 1                # a script (pytest): in-process
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="processes=.* is not valid; allowed: None"):
            workers.count(bad, 4, "cpu")


def _square(x):
    return x * x


def test_map_in_process_and_in_workers_agree():
    jobs = [1, 2, 3]
    assert workers.map(_square, jobs, 1) == [1, 4, 9]
    assert workers.map(_square, jobs, 2) == [1, 4, 9]        # spawn workers, results in order
    assert workers.cpus() >= 1


def test_in_a_kernel_workers_take_the_cores_torch_leaves(monkeypatch):
    import sys
    import types

    import torch
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))  # no __file__
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert workers.count(None, 64, "cpu") == workers.cpus()
        assert workers.count(None, 1, "cpu") == 1
        torch.set_num_threads(workers.cpus())          # torch already uses every core
        assert workers.count(None, 64, "cpu") == 1
    finally:
        torch.set_num_threads(threads)
