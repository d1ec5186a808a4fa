"""Redraw latency and training slowdown of the training lab (issue 6; ganlib.widgets).

For each 2D toy (and 1D / digits for reference) this measures
  * redraw latency: time of `TrainingLab.redraw()` (update artists + Agg PNG encode), median
    and 95th percentile over repeated redraws of a trained run;
  * training slowdown: G steps per second of the lab's background thread with adaptive
    redraws, against the same thread with redraws switched off (budget: ≤ 20 %).
Usage: `python benchmarks/bench_lab_latency.py [--seconds 6] [--out benchmarks/lab_latency.md]`.
Run it on an otherwise idle machine; torch uses `torch.get_num_threads()` threads.
"""
import argparse
import platform
import statistics
import time

import torch

from ganlib.widgets import TrainingLab


def redraw_latency(dataset, n=15):
    lab = TrainingLab(dataset)
    for _ in range(50):
        lab.run.round()
    lab.redraw()                                          # warm-up
    times = sorted(lab.redraw() for _ in range(n))
    return statistics.median(times), times[int(0.95 * (n - 1))], len(lab.image.value)


def rate(dataset, seconds, draw):
    """G steps/s of the lab thread over `seconds`, with adaptive redraws on or off."""
    lab = TrainingLab(dataset)
    if not draw:
        lab.redraw = lambda: 0.0
    lab.train()
    time.sleep(0.5)                                       # skip thread start-up
    r0, t0, d0 = lab.run.rounds, time.perf_counter(), len(lab.draw_times)
    time.sleep(seconds)
    r1, t1, d1 = lab.run.rounds, time.perf_counter(), len(lab.draw_times)
    lab.pause()
    return (r1 - r0) / (t1 - t0), (d1 - d0) / (t1 - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--datasets", default="ring,grid,swissroll,moons,mixture1d,digits")
    a = ap.parse_args()
    rows = []
    for ds in a.datasets.split(","):
        med, p95, size = redraw_latency(ds)
        off, _ = rate(ds, a.seconds, draw=False)
        on, fps = rate(ds, a.seconds, draw=True)
        rows.append((ds, med, p95, size, off, on, fps, 1 - on / off))
        print(f"{ds:10s} redraw median {1e3 * med:5.0f} ms  p95 {1e3 * p95:5.0f} ms  "
              f"png {size / 1e3:4.0f} kB | steps/s no-draw {off:6.1f}  live {on:6.1f}  "
              f"({fps:.2f} redraws/s)  slowdown {100 * (1 - on / off):5.1f} %", flush=True)
    head = (f"# Training-lab latency\n\nMachine: {platform.processor() or platform.machine()}, "
            f"torch {torch.__version__}, {torch.get_num_threads()} torch threads, "
            f"{a.seconds:g} s per rate measurement, default lab knobs (batch 256, 2×128 MLP).\n\n"
            "| dataset | redraw median (ms) | redraw p95 (ms) | PNG (kB) | G steps/s, no redraw "
            "| G steps/s, live | redraws/s | slowdown |\n|---|---|---|---|---|---|---|---|\n")
    table = "".join(f"| {d} | {1e3 * m:.0f} | {1e3 * p:.0f} | {s / 1e3:.0f} | {o:.1f} | {n:.1f} "
                    f"| {f:.2f} | {100 * sl:.1f} % |\n" for d, m, p, s, o, n, f, sl in rows)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(head + table)


if __name__ == "__main__":
    main()
