"""Mode coverage of ganlib's training loop on the ring of 8 and the 5x5 grid (chapter 6).

Trains with ``TrainConfig()`` defaults (ring) and ``recommended_config("grid")`` (grid), the
library's default models (``models.build_models``), then counts modes and high-quality
samples (within 3σ of a centre) on 2,500 samples, as in VEEGAN / PacGAN.

    python benchmarks/quality_toys.py                  # both toys, seed 0
    python benchmarks/quality_toys.py --toy grid --seeds 0 1 2 --threads 2
"""
import argparse
import ast
import time

import torch

from ganlib import data, models, seed_everything
from ganlib.train import RECIPE_MODELS, Trainer, recommended_config

try:
    from ganlib.metrics import mode_coverage
except ImportError:                    # metrics.py not there yet: same definition, inline
    def mode_coverage(samples, centers, std, n_sigma=3):
        d_min, nearest = torch.cdist(samples, centers).min(dim=1)
        good = d_min <= n_sigma * std
        counts = torch.bincount(nearest[good], minlength=len(centers))
        return dict(modes=int((counts > 0).sum()), high_quality=float(good.float().mean()))


def run_toy(toy, seed, overrides, model_kw):
    dist = data.get_dataset(toy)
    config = recommended_config(toy, seed=seed, progress=False, **overrides)
    seed_everything(seed)
    G, D = models.build_models(toy, **{**RECIPE_MODELS.get(toy, {}), **model_kw})
    start = time.perf_counter()
    Trainer(G, D, dist, config).run()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        z = torch.randn(2500, G.latent_dim, generator=torch.Generator().manual_seed(1234))
        x_fake = G(z.to(next(G.parameters()).device)).cpu()          # (2500, 2)
    cov = mode_coverage(x_fake, dist.centers, dist.std, n_sigma=3)
    return cov["modes"], cov["high_quality"], seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toy", choices=("ring", "grid", "both"), default="both")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", nargs="*", default=[], help="config overrides, key=value")
    parser.add_argument("--model", nargs="*", default=[], help="build_models overrides")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    overrides = {k: ast.literal_eval(v) for k, v in (kv.split("=", 1) for kv in args.set)}
    model_kw = {k: ast.literal_eval(v) for k, v in (kv.split("=", 1) for kv in args.model)}
    for toy in (("ring", "grid") if args.toy == "both" else (args.toy,)):
        n = 8 if toy == "ring" else 25
        for seed in args.seeds:
            modes, hq, seconds = run_toy(toy, seed, overrides, model_kw)
            print(f"{toy:5s} seed {seed}: {modes}/{n} modes, {100 * hq:.1f}% high quality, "
                  f"{seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main()
