"""Worker processes for independent training runs on the CPU's other cores.

The book trains its small networks with one thread (tiny matrices gain little from more), so
on a 2-core machine one core would sit idle while a sweep or an explorer trains. Their runs
are independent, so they split cleanly across processes: :func:`ganlib.sweep.run_sweep`
gives each worker a share of its members, the explorer (:mod:`ganlib.explorer`) one dataset
each. Each worker trains with one thread, so the numbers do not depend on the machine's core
count, and a member trained in a worker equals the same member trained in-process.

:func:`count` decides how many workers a job gets; :func:`map` runs a function over jobs in a
pool of "spawn" processes that stays alive for the session (a new process imports torch in
about two seconds; the first job of a session pays it, the next ones do not).
"""
from __future__ import annotations

import atexit
import os
import pickle
import sys

__all__ = ["count", "cpus", "map"]

_POOL = {"n": 0, "pool": None}


def cpus() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def count(processes, n_jobs: int, device) -> int:
    """How many worker processes ``n_jobs`` independent jobs get.

    ``processes``: an integer >= 1 (at most ``n_jobs`` are used), or None: one per core the
    session's torch threads leave to it (``cpus() // torch.get_num_threads()``: a session
    already computing with two threads on two cores trains in-process) up to ``n_jobs``,
    but only on a CPU (CUDA state does not survive a new process) and only in a kernel or
    an interactive session: a "spawn" process re-imports a script's ``__main__``, so a
    script passes ``processes`` itself, under ``if __name__ == "__main__"``.
    """
    if processes is not None:
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise ValueError(f"processes={processes!r} is not valid; allowed: None (automatic) "
                             "or an integer >= 1")
        return max(1, min(processes, n_jobs))
    from .runtime import device as _device
    if _device(device).type != "cpu" or getattr(sys.modules.get("__main__"), "__file__", None):
        return 1
    import torch
    return max(1, min(n_jobs, cpus() // max(1, torch.get_num_threads())))


def _pool(n: int):
    """The session's pool of ``n`` spawn workers (made once; a larger request remakes it)."""
    if _POOL["pool"] is None or _POOL["n"] < n:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        if _POOL["pool"] is not None:
            _POOL["pool"].shutdown()
        _POOL["pool"] = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_ignore_interrupts)
        _POOL["n"] = n
    return _POOL["pool"]


def _ignore_interrupts():
    """Workers ignore Ctrl-C / a kernel interrupt: the parent handles it (and stops waiting);
    a worker finishes its job and waits for the next."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@atexit.register
def _shutdown():
    if _POOL["pool"] is not None:
        _POOL["pool"].shutdown(cancel_futures=True)
        _POOL["pool"] = None


def _call(payload: bytes) -> bytes:
    """In a worker: unpickle (fn, job), return pickle(fn(job))."""
    fn, job = pickle.loads(payload)
    return pickle.dumps(fn(job), protocol=pickle.HIGHEST_PROTOCOL)


def map(fn, jobs, processes: int) -> list:  # noqa: A001  (the builtin's meaning, in workers)
    """``[fn(job) for job in jobs]``, computed by ``processes`` worker processes (in-process
    when ``processes == 1``). ``fn`` must be importable (a module-level function) and each
    job picklable.

    Jobs and results travel as plain pickles (bytes): tensors are copied, not moved to
    shared memory as multiprocessing's own pickler would (measured: with a few hundred
    shared tensors received, the session's later two-thread torch work ran 2-3x slower).
    """
    jobs = list(jobs)
    if processes <= 1 or len(jobs) <= 1:
        return [fn(job) for job in jobs]
    jobs = [pickle.dumps((fn, job), protocol=pickle.HIGHEST_PROTOCOL) for job in jobs]
    from concurrent.futures.process import BrokenProcessPool
    try:
        out = list(_pool(processes).map(_call, jobs))
    except BrokenProcessPool:                 # a worker died (e.g. killed): one fresh try
        _shutdown()
        out = list(_pool(processes).map(_call, jobs))
    return [pickle.loads(result) for result in out]
