"""Speed of ganlib's training loop against a plain hand-written PyTorch loop (chapter 7).

Both loops train the same models (copies of one initialisation: MLP G and D, 2-128-128) on
the ring of 8 Gaussians with the non-saturating loss, Adam, batch 256, and draw the same
batches in the same order from one seeded torch.Generator, so they do identical arithmetic
(the script checks that the final parameters agree). The two loops advance in alternating
slices of 100 steps (A/B, B/A, ...) in one process, so machine load hits both alike; the
median ratio ganlib / plain of steps per second is the result.

    python benchmarks/bench_train_speed.py                     # CPU, 2000 steps, 3 repeats
    python benchmarks/bench_train_speed.py --device cuda --steps 3000
"""
import argparse
import copy
import statistics
import time

import torch
import torch.nn.functional as F

import ganlib
from ganlib import data, models
from ganlib.train import TrainConfig, Trainer


class PlainLoop:
    """The loop a reader would write by hand: same draws, same losses, same optimizers."""

    def __init__(self, G, D, dist, cfg, device):
        self.G, self.D, self.dist, self.cfg, self.device = G, D, dist, cfg, device
        self.opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=cfg.betas)
        self.opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=cfg.betas)
        self.gen = torch.Generator(device=device)
        self.gen.manual_seed(cfg.seed)

    def run(self, steps):
        G, D, gen, device = self.G, self.D, self.gen, self.device
        B, latent_dim = self.cfg.batch_size, G.latent_dim
        for _ in range(steps):
            x_real = self.dist.sample(B, generator=gen, device=device)       # (B, 2)
            z = torch.randn(B, latent_dim, generator=gen, device=device)     # (B, latent_dim)
            with torch.no_grad():
                x_fake = G(z)                                               # (B, 2)
            loss_d = F.softplus(-D(x_real)).mean() + F.softplus(D(x_fake)).mean()
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            z = torch.randn(B, latent_dim, generator=gen, device=device)
            loss_g = F.softplus(-D(G(z))).mean()
            self.opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            self.opt_g.step()


def timed(fn, device):
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3, help="full runs of each loop")
    parser.add_argument("--chunk", type=int, default=100, help="steps per A/B slice")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = ganlib.device(args.device)
    cfg = TrainConfig(steps=args.steps, batch_size=256, loss="nonsaturating", lr_decay=0.0,
                      device=str(device), progress=False)   # constant lr, like the plain loop
    dist = data.ring()
    torch.manual_seed(0)
    G0, D0 = (m.to(device) for m in models.build_models("ring"))
    Trainer(copy.deepcopy(G0), copy.deepcopy(D0), dist, cfg).run(steps=50)   # warm-up
    ratios, totals, chunk_ratios = [], {"ganlib": 0.0, "plain": 0.0}, []
    for rep in range(args.repeats):
        runners = {"ganlib": Trainer(copy.deepcopy(G0), copy.deepcopy(D0), dist, cfg),
                   "plain": PlainLoop(copy.deepcopy(G0), copy.deepcopy(D0), dist, cfg, device)}
        seconds = {"ganlib": 0.0, "plain": 0.0}
        for c in range(args.steps // args.chunk):          # A/B, B/A, ... chunk by chunk
            order = ("ganlib", "plain") if (c + rep) % 2 == 0 else ("plain", "ganlib")
            t = {k: timed(lambda: runners[k].run(steps=args.chunk), device) for k in order}
            chunk_ratios.append(t["plain"] / t["ganlib"])
            for k in t:
                seconds[k] += t[k]
        ratios.append(seconds["plain"] / seconds["ganlib"])
        for k in seconds:
            totals[k] += seconds[k]
        print(f"repeat {rep}: ganlib {args.steps / seconds['ganlib']:.1f} steps/s, plain "
              f"{args.steps / seconds['plain']:.1f} steps/s, ratio {ratios[-1]:.3f}", flush=True)
        final = {k: torch.cat([p.detach().flatten() for p in (*r.G.parameters(), *r.D.parameters())])
                 for k, r in runners.items()}
        diff = (final["ganlib"] - final["plain"]).abs().max().item()
    n = args.steps * args.repeats
    # cost of the divergence snapshot (taken once per log_every steps)
    trainer = Trainer(copy.deepcopy(G0), copy.deepcopy(D0), dist, cfg)
    trainer.run(steps=cfg.log_every)
    start = time.perf_counter()
    for _ in range(200):
        trainer.snapshot.take(trainer.step, len(trainer.history))
    snap_us = (time.perf_counter() - start) / 200 * 1e6
    print(f"device {device}, threads {args.threads}, {args.steps} steps x {args.repeats} "
          f"repeats, chunks of {args.chunk} steps alternating A/B")
    print(f"overall steps/s: ganlib {n / totals['ganlib']:.1f}, plain {n / totals['plain']:.1f}")
    print(f"ratio ganlib/plain (steps/s): median over chunks {statistics.median(chunk_ratios):.3f}"
          f", median over repeats {statistics.median(ratios):.3f} (min {min(ratios):.3f}, "
          f"max {max(ratios):.3f})")
    print(f"max |param difference| after training: {diff:.2e}")
    print(f"snapshot: {snap_us:.0f} us each, every {cfg.log_every} steps = "
          f"{snap_us / cfg.log_every:.1f} us/step")


if __name__ == "__main__":
    main()
