"""Benchmark for issue 7: K vectorized GANs (ganlib.sweep) vs K sequential single runs.

Same work in one process: K = 16 seeds of the ring, non-saturating loss, Adam, at the size the
book's sweeps use (MLP 64-64, batch 128; chapters 4 and 5), ``--steps`` rounds each, trained once by
:func:`ganlib.sweep.run_sweep` and once as 16 :class:`ganlib.train.Trainer` runs. Repeats are
interleaved (sweep, sequential, sweep, ...) and the median time of each is reported with the
throughput ratio (member-steps per second). Target: >= 2.5x on 2 CPU cores, >= 10x on a GPU.

    python benchmarks/bench_sweep.py [--steps 200] [--members 16] [--repeats 3]
                                     [--loss nonsaturating] [--threads N] [--device cpu]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from ganlib.data import get_dataset
from ganlib.models import build_models
from ganlib.sweep import run_sweep
from ganlib.train import TrainConfig, Trainer


def sequential(data, base, seeds, model):
    for seed in seeds:
        torch.manual_seed(seed)  # as run_sweep: seed, then build
        G, D = build_models(data, **model)
        Trainer(G, D, data, TrainConfig(**{**base.__dict__, "seed": seed})).run()


def vectorized(data, base, seeds, model):
    run_sweep(data, base, seeds=seeds, model=model)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--loss", default="nonsaturating")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    data = get_dataset("ring")
    base = TrainConfig(loss=args.loss, steps=args.steps, batch_size=args.batch_size,
                       progress=False, device=args.device, log_every=50)
    model = dict(hidden=(args.hidden, args.hidden))
    seeds = list(range(args.members))
    vectorized(data, TrainConfig(**{**base.__dict__, "steps": 5}), seeds[:2], model)  # warm-up
    times = {"vectorized": [], "sequential": []}
    for _ in range(args.repeats):
        for name, fn in (("vectorized", vectorized), ("sequential", sequential)):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn(data, base, seeds, model)
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t0)
    work = args.members * args.steps
    print(f"K={args.members} members x {args.steps} steps, loss={args.loss}, batch "
          f"{args.batch_size}, hidden {args.hidden}, threads={torch.get_num_threads()}, "
          f"device={base.device or 'auto'}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:>10}: median {med:7.2f} s  ({work / med:8.0f} member-steps/s)  "
              f"runs: {', '.join(f'{t:.2f}' for t in ts)}")
    ratio = statistics.median(times["sequential"]) / statistics.median(times["vectorized"])
    print(f"throughput ratio (vectorized / sequential): {ratio:.2f}x")


if __name__ == "__main__":
    main()
