"""What a sweep returns, and its figures: :class:`SweepResult`, :func:`plot_success_rate`,
:func:`plot_phase_diagram`, :func:`plot_samples_grid` (re-exported by :mod:`ganlib.sweep`).

Chapter 4 (Saturation) and chapter 5 (Wasserstein) read success rates over seeds and phase
diagrams over grids of settings from these.
"""
from __future__ import annotations

import torch

__all__ = ["SweepResult", "plot_success_rate", "plot_phase_diagram", "plot_samples_grid"]


class SweepResult:
    """Outcome of :func:`~ganlib.sweep.run_sweep`.

    ``table``: DataFrame, one row per member: ``member``, grid settings, ``seed``, metrics
    (``modes``, ``high_quality`` for 2D mixtures; ``w1`` for 1D), last logged ``loss_d``,
    ``loss_g``, ``diverged``, ``diverged_step`` (-1: finite). ``histories``: long DataFrame
    (member, step, History fields). ``samples``: (K, n_samples, d) = G_k(fixed_z_k);
    ``snapshots``: step -> (K, n, d); ``configs``; ``trainer`` (``trainer.G.member(k)``).
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
        hist = [pd.DataFrame({"member": range(len(rows)),
                              **{f: v.cpu().numpy() if torch.is_tensor(v) else v
                                 for f, v in row.items() if v is not None}})
                for row in trainer.rows]
        self.histories = (pd.concat(hist, ignore_index=True).sort_values(["member", "step"],
                          kind="stable").reset_index(drop=True) if hist else pd.DataFrame())

    def _metrics(self):
        """Per-member final metrics: mode coverage (2D mixtures) or W1 (1D densities)."""
        from .metrics import mode_coverage
        from .theory import wasserstein1_1d

        out, ref, centers = [], None, getattr(self.data, "centers", None)
        if centers is None and getattr(self.data, "dim", None) == 1:  # reference sample for W1
            ref = self.data.sample(self.samples.shape[1],
                                   generator=torch.Generator().manual_seed(1))
        for k in range(len(self.samples)):
            x = self.samples[k]
            finite = bool(torch.isfinite(x).all())
            if centers is not None:
                cov = mode_coverage(x, centers, self.data.std) if finite else {"modes": 0,
                                                                                "high_quality": 0.0}
                out.append({"modes": int(cov["modes"]), "high_quality": float(cov["high_quality"])})
            elif ref is not None:
                w1 = wasserstein1_1d(x.reshape(-1), ref.reshape(-1)) if finite else float("inf")
                out.append({"w1": float(w1)})
            else:
                out.append({})
        return out

    def __len__(self):
        return len(self.table)

    def __repr__(self):
        return f"SweepResult({len(self)} members, grid={self.grid_keys})"

    def success(self, criterion=None):
        """(K,) bool Series: member succeeded and did not diverge. ``criterion``: None (2D
        mixtures: every mode covered, ``modes == n_modes``; 1D: ``w1 < 0.1``), a query string
        on ``table`` (``"modes >= 7 and high_quality > 0.5"``), a bool column name, or a
        callable ``table -> bool Series``."""
        t = self.table
        if criterion is None and not ("modes" in t or "w1" in t):
            raise ValueError("criterion=None has no default for this data set; pass a query "
                             "string, a column name or a callable")
        if criterion is None:
            ok = t["modes"] == len(self.data.centers) if "modes" in t else t["w1"] < 0.1
        elif callable(criterion):
            ok = criterion(t)
        elif isinstance(criterion, str):
            ok = t[criterion] if criterion in t else t.eval(criterion)
        else:
            raise ValueError(f"criterion={criterion!r} must be None, a string or a callable")
        return ok.astype(bool) & ~t["diverged"]

    def success_rate(self, by="loss", criterion=None):
        """Fraction of successful members per value of ``by`` (a column, list, or None: all)
        -> DataFrame with columns ``by...``, ``n_success``, ``n``, ``success_rate``."""
        import pandas as pd

        ok = self.success(criterion)
        by = [] if by is None else [by] if isinstance(by, str) else list(by)
        for col in by:
            if col not in self.table:
                raise ValueError(f"by={col!r} is not a column; choose from "
                                 f"{list(self.table.columns)}")
        frame = self.table[by].assign(ok=ok.values)
        if not by:
            return pd.DataFrame({"n_success": [int(ok.sum())], "n": [len(ok)],
                                 "success_rate": [ok.mean()]})
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
    ax.set(ylim=(0, 1.12), xlabel=", ".join(cols), ylabel="success rate")
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
    ax.set(xlabel=x, ylabel=y)
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
    x_real = (result.data.sample(512, generator=torch.Generator().manual_seed(0))
              if real and hasattr(result.data, "sample") else None)
    ok = result.success().values
    [ax.axis("off") for ax in axes.flat[len(members):]]
    for ax, k in zip(axes.flat, members):
        x, row = result.samples[k], result.table.iloc[k]
        for pts, color in ((x_real, "0.7"), (x, "C1")):
            if pts is not None and x.shape[1] == 1:
                ax.hist(pts[:, 0].numpy(), bins=40, density=True, color=color, alpha=0.7)
            elif pts is not None:
                ax.scatter(pts[:, 0], pts[:, 1], s=1, color=color)
        label = ", ".join(f"{key}={row[key]:g}" if isinstance(row[key], float) else
                          f"{key}={row[key]}" for key in result.grid_keys + ["seed"])
        ax.set_title(label, fontsize=7, color="red" if row["diverged"] else
                     ("black" if ok[k] else "0.4"))
        ax.set(xticks=[], yticks=[])
    return fig
