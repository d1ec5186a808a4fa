"""Seed and hyperparameter sweeps: K independent small GANs trained in one vectorized run.

One run of a GAN proves little; chapter 4 (Saturation) and chapter 5 (Wasserstein) make
their claims over seeds ("non-saturating: 16/16 seeds cover all modes; minimax: 3/16") and
over grids of settings (phase diagrams lr_d × lr_g → success rate). :func:`run_sweep` trains
every member (a setting of ``grid`` × a seed) at once with stacked MLP weights
(:mod:`ganlib.stacked`): member k follows exactly the run ``Trainer(G_k, D_k, data,
config_k).run()`` would (same initial weights, same random stream, same losses, penalties,
optimizer and ``n_critic``), to float rounding. A member whose loss or weights become
NaN/inf is frozen at its last finite state and reported as diverged; the others go on.

Plots: :func:`plot_success_rate`, :func:`plot_phase_diagram`, :func:`plot_samples_grid`.
"""
from __future__ import annotations

import dataclasses
import itertools

import torch

from .stacked import SWEEP_KEYS

__all__ = ["run_sweep", "SweepResult", "SWEEP_KEYS", "plot_success_rate",
           "plot_phase_diagram", "plot_samples_grid"]


def _build_members(data, seeds, model):
    """(Gs, Ds): member k built as a single run would be: seed, then construct."""
    from .models import build_models
    Gs, Ds = [], []
    for seed in seeds:
        with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
            torch.manual_seed(int(seed))
            G, D = model(int(seed)) if callable(model) else build_models(data, **model)
        Gs.append(G)
        Ds.append(D)
    return Gs, Ds


def run_sweep(dataset, base=None, grid=None, seeds=range(16), model=None, paired=False,
              steps=None) -> "SweepResult":
    """Train every (setting of ``grid``) × (seed of ``seeds``) GAN in one vectorized run.

    ``dataset``: a name of :data:`ganlib.data.DATASETS`, a Distribution or a tensor (N, d).
    ``base``: the :class:`~ganlib.train.TrainConfig` shared by all members; ``grid`` maps
    fields of :data:`SWEEP_KEYS` (``loss``, ``lr_d``, ``lr_g``, ``n_critic``, ``gp_weight``,
    ``clip_value``, ``r1_weight``, ``label_smoothing``) to lists of values; members are the
    Cartesian product of the grid times ``seeds`` (settings outer, seeds inner).
    ``model``: keyword arguments of :func:`ganlib.models.build_models` (default
    ``{}``), or a callable ``seed -> (G, D)`` of MLPs; each member's G and D are built right
    after ``torch.manual_seed(seed)``, like a single run seeded with that seed.
    ``paired=True``: every member sees the same batches (stream seeded with ``seeds[0]``),
    for paired comparisons of settings. ``steps`` overrides ``base.steps``.

    Member k reproduces ``Trainer(G_k, D_k, dataset, config_k).run()`` to float rounding
    (tests/test_sweep.py). Taught in chapter 4, Saturation, and chapter 5, Wasserstein.

    Example: ``run_sweep("ring", TrainConfig(steps=1000), grid={"loss": ["minimax",
    "nonsaturating"]}, seeds=range(16)).success_rate(by="loss")``.
    """
    from .data import get_dataset
    from .stacked import StackedTrainer
    from .train import TrainConfig

    base = TrainConfig() if base is None else base
    if not isinstance(base, TrainConfig):
        raise ValueError(f"base={type(base).__name__} must be a ganlib.train.TrainConfig")
    if steps is not None:
        base = dataclasses.replace(base, steps=steps)
    grid = dict(grid or {})
    allowed = ", ".join(map(repr, SWEEP_KEYS[:-1]))
    for key, values in grid.items():
        if key not in SWEEP_KEYS[:-1]:
            raise ValueError(f"grid key {key!r} is not one of {allowed} (seeds go in `seeds`)")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
            raise ValueError(f"grid[{key!r}]={values!r} must be a non-empty list of values")
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise ValueError(f"seeds={seeds!r} must be a non-empty list of integers >= 0")
    if model is None:
        model = {}
    if not (callable(model) or isinstance(model, dict)):
        raise ValueError(f"model={model!r} must be a dict of build_models arguments or a callable")
    data = get_dataset(dataset) if isinstance(dataset, str) else dataset
    keys = list(grid)
    settings = [dict(zip(keys, combo)) for combo in itertools.product(*(list(grid[k]) for k in keys))]
    rows = [(setting, seed) for setting in settings for seed in seeds]
    configs = [dataclasses.replace(base, **setting, seed=seed) for setting, seed in rows]
    Gs, Ds = _build_members(data, [seed for _, seed in rows], model)
    trainer = StackedTrainer(Gs, Ds, data, configs, paired=paired)
    trainer.run()
    return SweepResult(trainer, data, [dict(setting, seed=seed) for setting, seed in rows], keys)


class SweepResult:
    """Outcome of :func:`run_sweep`.

    ``table``: pandas DataFrame, one row per member: ``member``, the grid settings, ``seed``,
    final metrics (``modes``, ``high_quality`` for 2D mixtures; ``w1`` for 1D data), the last
    logged ``loss_d``/``loss_g``, ``diverged`` and ``diverged_step`` (-1 if finite).
    ``histories``: long DataFrame, one row per (member, logged step) with the fields of
    :class:`ganlib.train.History`. ``samples``: (K, n_samples, d) tensor of G_k(fixed_z_k).
    ``configs``: the K TrainConfig; ``trainer``: the stacked trainer (``trainer.G.member(k)``
    gives member k's generator as an ``nn.Module``); ``snapshots``: step -> (K, n, d).
    """

    def __init__(self, trainer, data, rows, grid_keys):
        import pandas as pd

        self.trainer, self.data, self.grid_keys = trainer, data, list(grid_keys)
        self.configs = trainer.configs
        self.samples = trainer.samples().cpu()  # (K, n, d)
        self.snapshots = {k: v.cpu() for k, v in trainer.snapshots.items()}
        table = pd.DataFrame(rows)
        table.insert(0, "member", range(len(rows)))
        table = table.join(pd.DataFrame(self._metrics()))
        if trainer.rows:
            table["loss_d"] = trainer.rows[-1]["loss_d"].cpu().numpy()
            table["loss_g"] = trainer.rows[-1]["loss_g"].cpu().numpy()
        table["diverged"] = (~trainer.alive).cpu().numpy()
        table["diverged_step"] = trainer.diverged_step.cpu().numpy()
        self.table = table
        hist = []
        for row in trainer.rows:
            cols = {f: (v.cpu().numpy() if torch.is_tensor(v) else v) for f, v in row.items()
                    if v is not None}
            hist.append(pd.DataFrame({"member": range(len(rows)), **cols}))
        self.histories = (pd.concat(hist, ignore_index=True).sort_values(["member", "step"],
                          kind="stable").reset_index(drop=True) if hist else pd.DataFrame())

    def _metrics(self):
        """Per-member final metrics: mode coverage (2D mixtures) or W1 (1D densities)."""
        out = []
        centers = getattr(self.data, "centers", None)
        dim = getattr(self.data, "dim", None)
        ref = None
        if centers is None and dim == 1 and hasattr(self.data, "sample"):
            gen = torch.Generator().manual_seed(12345)
            ref = self.data.sample(self.samples.shape[1], generator=gen).reshape(-1)
        for k in range(len(self.samples)):
            x = self.samples[k]
            finite = bool(torch.isfinite(x).all())
            if centers is not None:
                from .metrics import mode_coverage
                cov = mode_coverage(x, centers, self.data.std) if finite else {"modes": 0,
                                                                                "high_quality": 0.0}
                out.append({"modes": int(cov["modes"]), "high_quality": float(cov["high_quality"])})
            elif ref is not None:
                from .theory import wasserstein1_1d
                out.append({"w1": float(wasserstein1_1d(x.reshape(-1), ref)) if finite
                            else float("inf")})
            else:
                out.append({})
        return out

    def __len__(self):
        return len(self.table)

    def __repr__(self):
        return f"SweepResult({len(self)} members, grid={self.grid_keys}, steps={self.configs[0].steps})"

    def success(self, criterion=None):
        """(K,) bool Series: member succeeded and did not diverge.

        ``criterion``: None (2D mixtures: every mode covered, ``modes == n_modes``; 1D:
        ``w1 < 0.1``), a query string on :attr:`table` (``"modes >= 7 and
        high_quality > 0.5"``), a bool column name, or a callable ``table -> bool Series``.
        """
        t = self.table
        if criterion is None:
            if "modes" in t:
                ok = t["modes"] == len(self.data.centers)
            elif "w1" in t:
                ok = t["w1"] < 0.1
            else:
                raise ValueError("criterion=None has no default for this data set; pass a "
                                 "query string, a column name or a callable")
        elif callable(criterion):
            ok = criterion(t)
        elif isinstance(criterion, str):
            ok = t[criterion] if criterion in t else t.eval(criterion)
        else:
            raise ValueError(f"criterion={criterion!r} must be None, a string or a callable")
        return ok.astype(bool) & ~t["diverged"]

    def success_rate(self, by="loss", criterion=None):
        """Fraction of successful members per value of ``by`` (a column or list of columns).

        Returns a DataFrame with columns ``by...``, ``n_success``, ``n``, ``success_rate``;
        ``by=None`` pools all members into one row.
        """
        import pandas as pd

        ok = self.success(criterion)
        by = [] if by is None else [by] if isinstance(by, str) else list(by)
        for col in by:
            if col not in self.table:
                raise ValueError(f"by={col!r} is not a column; choose from {list(self.table.columns)}")
        frame = self.table[by].assign(ok=ok.values)
        if not by:
            return pd.DataFrame({"n_success": [int(ok.sum())], "n": [len(ok)],
                                 "success_rate": [float(ok.mean())]})
        g = frame.groupby(by, sort=False)["ok"]
        res = pd.DataFrame({"n_success": g.sum().astype(int), "n": g.size()})
        res["success_rate"] = res["n_success"] / res["n"]
        return res.reset_index()


# ----------------------------------------------------------------------------- plots
def plot_success_rate(result, by="loss", criterion=None, ax=None):
    """Bar chart of the success rate per value of ``by``, annotated "n_success/n"."""
    import matplotlib.pyplot as plt

    rates = result.success_rate(by, criterion)
    ax = ax or plt.subplots(figsize=(5, 3))[1]
    cols = [by] if isinstance(by, str) else list(by)
    labels = [", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in row)
              for row in rates[cols].itertuples(index=False)]
    bars = ax.bar(range(len(rates)), rates["success_rate"], color="C0")
    for bar, s, n in zip(bars, rates["n_success"], rates["n"]):
        ax.annotate(f"{s}/{n}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(rates)), labels)
    ax.set_ylim(0, 1.12)
    ax.set_xlabel(", ".join(cols))
    ax.set_ylabel("success rate")
    return ax


def plot_phase_diagram(result, x="lr_d", y="lr_g", criterion=None, ax=None, cmap="viridis"):
    """Heat map of the success rate over two grid settings (e.g. lr_d × lr_g)."""
    import matplotlib.pyplot as plt

    rates = result.success_rate([x, y], criterion)
    grid = rates.pivot(index=y, columns=x, values="success_rate").sort_index().sort_index(axis=1)
    ax = ax or plt.subplots(figsize=(4.5, 4))[1]
    im = ax.imshow(grid.values, origin="lower", vmin=0, vmax=1, cmap=cmap, aspect="auto")
    fmt = lambda v: f"{v:g}" if isinstance(v, float) else str(v)  # noqa: E731
    ax.set_xticks(range(grid.shape[1]), [fmt(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [fmt(v) for v in grid.index])
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid.values[i, j]
            ax.text(j, i, "" if v != v else f"{v:.2f}", ha="center", va="center",
                    color="white" if v < 0.5 else "black", fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.figure.colorbar(im, ax=ax, label="success rate")
    return ax


def plot_samples_grid(result, members=None, ncols=8, real=True, size=1.6):
    """Final samples of each member (scatter for 2D, histogram for 1D); diverged in red."""
    import matplotlib.pyplot as plt

    members = list(range(len(result))) if members is None else list(members)
    nrows = -(-len(members) // ncols)
    ncols = min(ncols, len(members))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False,
                             sharex=True, sharey=True)
    x_real = None
    if real and hasattr(result.data, "sample"):
        x_real = result.data.sample(512, generator=torch.Generator().manual_seed(0))
    ok = result.success().values
    for ax in axes.flat[len(members):]:
        ax.axis("off")
    for ax, k in zip(axes.flat, members):
        x, row = result.samples[k], result.table.iloc[k]
        if x.shape[1] == 1:
            if x_real is not None:
                ax.hist(x_real[:, 0].numpy(), bins=40, density=True, color="0.8")
            ax.hist(x[:, 0].numpy(), bins=40, density=True, color="C1", alpha=0.7)
        else:
            if x_real is not None:
                ax.scatter(x_real[:, 0], x_real[:, 1], s=1, color="0.7")
            ax.scatter(x[:, 0], x[:, 1], s=1, color="C1")
        label = ", ".join(f"{key}={row[key]:g}" if isinstance(row[key], float) else
                          f"{key}={row[key]}" for key in result.grid_keys + ["seed"])
        ax.set_title(label, fontsize=7, color="red" if row["diverged"] else
                     ("black" if ok[k] else "0.4"))
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
