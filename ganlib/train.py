"""One GAN training loop for every loss, configured by a dataclass (chapters 2, 4, 5, 7).

Chapter 2 runs Algorithm 1 of Goodfellow et al. (2014) with :func:`train`; chapter 4 compares
"minimax" and "nonsaturating"; chapter 5 uses "wgan", "wgan-gp", ``n_critic`` and the
Wasserstein estimate; chapter 7 the tricks, callbacks, checkpoints and :data:`RECIPES`.

Random stream (replicate it to reproduce a run): one ``torch.Generator`` on the device seeded
with ``config.seed`` draws, per D step, ``x_real`` (``data.sample(B, generator, device)``; a
tensor dataset: ``torch.randint(N, (B,))`` indices), then ``z`` (``normal_`` or
``uniform_(-1, 1)`` of a (B, latent_dim) tensor), then only if enabled: label-noise flips (real,
fake), instance noise (real, fake), the penalty's draw (wgan-gp ε, dragan noise); per G step
``z``, then instance noise of ``x_fake`` if enabled. A round (``step()``) is ``n_critic`` D
steps and one G step; ``simultaneous=True`` merges the last D step and the G step (one draw,
both players updated from the same parameters). ``fixed_z`` uses a second generator seeded
with ``config.seed``. Models are never re-initialised here: seed before building them.

Hot path: no host sync per step; losses are checked for NaN/inf every ``log_every`` steps (one
sync), where a copy of both players, optimizers and the random stream is kept for
:class:`TrainingDiverged` to restore. The D step builds ``G(z)`` without a graph; the G step
asks autograd for G's gradients only.
"""
from __future__ import annotations

import dataclasses
import math
import re
import threading
import time
from dataclasses import dataclass

import torch

from . import losses as _losses

__all__ = ["TrainConfig", "Trainer", "History", "TrainingDiverged", "train",
           "RECIPES", "RECIPE_MODELS", "recommended_config"]

OPTIMIZERS = ("adam", "rmsprop", "sgd")
PRIORS = ("gaussian", "uniform")
LABEL_LOSSES = ("minimax", "nonsaturating", "dragan")   # losses built on the BCE D loss
_DEVICE_RE = re.compile(r"^(cpu|cuda(:\d+)?|mps)$")


def _check(ok, name, value, allowed):
    if not ok:
        raise ValueError(f"{name}={value!r} is not valid; allowed: {allowed}")


@dataclass
class TrainConfig:
    """Every knob of :class:`Trainer`; validated on creation (chapters 2, 4, 5, 7)."""
    loss: str = "nonsaturating"        # key of losses.LOSSES
    steps: int = 4000                  # generator updates (rounds)
    batch_size: int = 512              # samples of x_real and of z per step
    n_critic: int = 1                  # D steps per G step (k in Algorithm 1)
    lr_d: float = 2e-3                 # D learning rate (tuned on the ring, see benchmarks/)
    lr_g: float = 2e-3                 # G learning rate
    lr_decay: float = 0.98             # lr falls linearly to (1 − lr_decay)·lr over `steps`
    optimizer: str = "adam"            # "adam" | "rmsprop" | "sgd" (same for both players)
    betas: tuple = (0.5, 0.999)        # Adam betas of both players (sgd: betas[0] = momentum)
    betas_d: tuple | None = None       # per-player override of betas for D
    betas_g: tuple | None = None       # per-player override of betas for G
    clip_value: float | None = None    # weight clipping c; loss="wgan" uses 0.01 when None
    gp_weight: float = 10.0            # λ for wgan-gp / dragan
    r1_weight: float = 0.0             # γ of the R1 penalty (0 = off), any loss
    label_smoothing: float = 0.0       # one-sided: real label 1 → 1 − smoothing (BCE losses)
    label_noise: float = 0.0           # prob. of flipping each of D's labels (BCE losses)
    instance_noise: float = 0.0        # std of Gaussian noise added to D's inputs (real and fake)
    simultaneous: bool = False         # simultaneous (True) vs alternating (False) updates
    prior: str = "gaussian"            # "gaussian" N(0, I) | "uniform" U[-1, 1]
    seed: int = 0                      # seed of the training random stream
    device: str | None = None          # None → ganlib.device(): cuda, else mps, else cpu
    log_every: int = 10                # history granularity and NaN-check interval (steps)
    sample_steps: tuple = ()           # steps at which to store G(fixed_z)
    n_samples: int = 512               # size of fixed_z
    progress: bool = True              # tqdm.auto progress bar

    def __post_init__(self):
        names = tuple(_losses.LOSSES)
        _check(self.loss in names, "loss", self.loss, ", ".join(map(repr, names)))
        for f in ("steps", "batch_size", "n_critic", "log_every", "n_samples"):
            v = getattr(self, f)
            _check(type(v) is int and v >= 1, f, v, "an integer >= 1")
        for f in ("lr_d", "lr_g"):
            v = getattr(self, f)
            _check(isinstance(v, (int, float)) and math.isfinite(v) and v > 0, f, v, "a float > 0")
        for f, allowed in (("optimizer", OPTIMIZERS), ("prior", PRIORS)):
            _check(getattr(self, f) in allowed, f, getattr(self, f), ", ".join(map(repr, allowed)))
        for f in ("betas", "betas_d", "betas_g"):
            v = getattr(self, f)
            if v is not None or f == "betas":
                _check(isinstance(v, (tuple, list)) and len(v) == 2 and all(0 <= b < 1 for b in v),
                       f, v, "a pair (b1, b2) with 0 <= b < 1" + (" or None" if f[-1] != "s" else ""))
                setattr(self, f, tuple(float(b) for b in v))
        if self.loss == "wgan" and self.clip_value is None:
            self.clip_value = 0.01     # Arjovsky et al. (2017), Algorithm 1
        _check(self.clip_value is None or self.clip_value > 0, "clip_value", self.clip_value,
               "a float > 0" + (" (loss='wgan' clips weights)" if self.loss == "wgan" else " or None"))
        for f, hi in (("lr_decay", 1), ("gp_weight", math.inf), ("r1_weight", math.inf),
                      ("instance_noise", math.inf), ("label_smoothing", 1), ("label_noise", 0.51)):
            v = getattr(self, f)
            _check(0 <= v < hi, f, v, f"0 <= x < {hi}" if hi < 0.6 or hi == 1 else "a float >= 0")
        if (self.label_smoothing or self.label_noise) and self.loss not in LABEL_LOSSES:
            raise ValueError(f"label_smoothing/label_noise need a BCE loss; loss={self.loss!r} "
                             f"is not one of {', '.join(map(repr, LABEL_LOSSES))}")
        _check(self.device is None or (isinstance(self.device, str) and _DEVICE_RE.match(self.device)),
               "device", self.device, "None, 'cpu', 'cuda', 'cuda:N', 'mps'")
        _check(isinstance(self.sample_steps, (tuple, list)) and all(type(s) is int and s >= 0
               for s in self.sample_steps), "sample_steps", self.sample_steps, "ints >= 0")
        self.sample_steps = tuple(self.sample_steps)


# Settings this library recommends per toy (measured in benchmarks/README.md).
RECIPES = {
    "ring": {},                        # the defaults
    "grid": dict(steps=4000, lr_d=1e-3, lr_g=1e-3),
}
# Keyword arguments of models.build_models that go with each recipe.
RECIPE_MODELS = {"ring": {}, "grid": {}}


def recommended_config(dataset, **overrides) -> TrainConfig:
    """The recommended :class:`TrainConfig` for a toy ("ring", "grid"), plus overrides."""
    _check(dataset in RECIPES, "dataset", dataset, ", ".join(map(repr, RECIPES)))
    return TrainConfig(**{**RECIPES[dataset], **overrides})


class TrainingDiverged(RuntimeError):
    """A loss became NaN/inf; the trainer was rolled back to its last finite state."""

    def __init__(self, step, loss_d=float("nan"), loss_g=float("nan"), last_finite_step=0):
        self.step, self.last_finite_step = step, last_finite_step
        self.loss_d, self.loss_g = loss_d, loss_g
        super().__init__(f"training diverged at step {step} (loss_d={loss_d:.4g}, loss_g="
                         f"{loss_g:.4g}); the last finite state (step {last_finite_step}) was kept")


class History:
    """Logged curves: one entry every ``log_every`` steps (losses are interval means;
    d_real, d_fake, wasserstein and grad_norm_g are from the last step of the interval;
    d_real/d_fake are mean sigmoid for BCE losses, mean raw score otherwise;
    wasserstein = E D(x_real) − E D(G(z)) on raw scores; wall_time in seconds)."""
    FIELDS = ("step", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_g", "wasserstein",
              "wall_time")

    def __init__(self, data=None):
        data = data or {}
        for f in self.FIELDS:
            setattr(self, f, list(data.get(f, [])))
        self.samples = dict(data.get("samples", {}))    # step -> (n_samples, *data_shape)

    __len__ = lambda self: len(self.step)  # noqa: E731

    def as_dict(self) -> dict:
        return {**{f: list(getattr(self, f)) for f in self.FIELDS}, "samples": dict(self.samples)}

    def to_dataframe(self):
        import pandas as pd     # optional dependency
        return pd.DataFrame({f: getattr(self, f) for f in self.FIELDS})


class Trainer:
    """Trains G against D on ``data`` (a Distribution, a tensor dataset or a dataset name).

    ``step()`` runs one round: ``n_critic`` D updates, then one G update (Algorithm 1 of
    Goodfellow et al. 2014); ``run()`` loops rounds with callbacks, progress and history."""

    def __init__(self, G, D, data, config: TrainConfig | None = None, **overrides):
        config = config or TrainConfig()
        self.config = dataclasses.replace(config, **overrides) if overrides else config
        cfg = self.config
        from . import device as _device
        self.device = _device(cfg.device)
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.data = self._resolve_data(data)
        self.latent_dim = getattr(G, "latent_dim", None)
        _check(isinstance(self.latent_dim, int), "G", type(G).__name__, "a generator with .latent_dim")
        self._d_fn, self._g_fn, _ = _losses.get_loss(cfg.loss)
        self._g_params = [p for p in G.parameters() if p.requires_grad]
        self._d_params = [p for p in D.parameters() if p.requires_grad]
        self.opt_d = self._make_opt(self._d_params, cfg.lr_d, cfg.betas_d or cfg.betas)
        self.opt_g = self._make_opt(self._g_params, cfg.lr_g, cfg.betas_g or cfg.betas)
        self.gen, fixed = (torch.Generator(device=self.device).manual_seed(cfg.seed) for _ in "ab")
        self.fixed_z = self._prior(cfg.n_samples, fixed)        # (n_samples, latent_dim)
        self.history, self._step, self.wall_time = History(), 0, 0.0
        self._sample_set, self._t0 = set(cfg.sample_steps), time.perf_counter()
        self.stop_requested = threading.Event()
        self._pend_d, self._pend_g, self._pend_step = [], [], []
        self._last = self._snap = None
        self._take_snapshot()

    def _resolve_data(self, data):
        if isinstance(data, str):
            from . import data as _data
            data = _data.get_dataset(data)
        if isinstance(data, torch.Tensor):
            data = data.to(self.device, torch.float32)
            if data.dim() == 1:
                data = data[:, None]                          # (N,) -> (N, 1)
            shape = tuple(data.shape[1:])
        elif hasattr(data, "sample"):
            shape = tuple(getattr(data, "shape", None) or (getattr(data, "dim", None),))
        else:
            raise ValueError(f"data={type(data).__name__} is not valid; allowed: a Distribution "
                             "(with .sample), a tensor dataset (N, ...) or a dataset name")
        data_dim = shape[0] if len(shape) == 1 else None
        for name, dim in (("G.out_dim", getattr(self.G, "out_dim", None)),
                          ("D.in_dim", getattr(self.D, "in_dim", None))):
            if dim is not None and data_dim is not None and dim != data_dim:
                raise ValueError(f"data has dimension {data_dim} but the model expects "
                                 f"{name}={dim}; build G and D for {data_dim}-dimensional data")
        return data

    def _make_opt(self, params, lr, betas):
        name, optim = self.config.optimizer, torch.optim
        return (optim.Adam(params, lr=lr, betas=betas) if name == "adam" else optim.RMSprop(
            params, lr=lr) if name == "rmsprop" else optim.SGD(params, lr=lr, momentum=betas[0]))

    def _prior(self, n, gen=None):
        z = torch.empty(n, self.latent_dim, device=self.device)   # (n, latent_dim)
        if self.config.prior == "gaussian":
            return z.normal_(generator=gen or self.gen)
        return z.uniform_(-1.0, 1.0, generator=gen or self.gen)

    def _sample_real(self, n):
        if isinstance(self.data, torch.Tensor):
            idx = torch.randint(self.data.shape[0], (n,), generator=self.gen, device=self.device)
            return self.data[idx]                                 # (n, *data_shape)
        return self.data.sample(n, generator=self.gen, device=self.device)

    def _labels(self):
        cfg, B = self.config, self.config.batch_size
        real_label = 1.0 - cfg.label_smoothing                    # one-sided smoothing
        if not cfg.label_noise:
            return real_label, 0.0
        real = torch.full((B,), real_label, device=self.device)
        fake = torch.zeros(B, device=self.device)
        return (_losses.noisy_labels(real, cfg.label_noise, generator=self.gen),
                _losses.noisy_labels(fake, cfg.label_noise, generator=self.gen))

    def _noise(self, x):
        return x + self.config.instance_noise * torch.randn(x.shape, generator=self.gen,
                                                            device=x.device)

    def _d_loss(self, x_real, x_fake, real_logits, fake_logits, labels):
        cfg = self.config
        loss = self._d_fn(real_logits, fake_logits, *labels) if labels else \
            self._d_fn(real_logits, fake_logits)
        if cfg.loss == "wgan-gp":
            loss = loss + cfg.gp_weight * _losses.gradient_penalty(
                self.D, x_real, x_fake.detach(), generator=self.gen)
        elif cfg.loss == "dragan":
            loss = loss + cfg.gp_weight * _losses.dragan_penalty(self.D, x_real, generator=self.gen)
        if cfg.r1_weight:
            loss = loss + cfg.r1_weight * _losses.r1_penalty(self.D, x_real)
        return loss

    def _d_update(self, joint=False, want_norm=False):
        """One D step -> (loss_d, real_logits, fake_logits); ``joint``: also the G step from
        the same draw and parameters (simultaneous) -> (d_tuple, (loss_g, grad_norm_g))."""
        cfg = self.config
        x_real = self._sample_real(cfg.batch_size)                # (B, *data_shape)
        z = self._prior(cfg.batch_size)                           # (B, latent_dim)
        with torch.set_grad_enabled(joint):
            x_fake = self.G(z)                                    # (B, *data_shape)
        labels = self._labels() if cfg.loss in LABEL_LOSSES else None
        if cfg.instance_noise:
            x_real, x_fake = self._noise(x_real), self._noise(x_fake)
        real_logits, fake_logits = self.D(x_real), self.D(x_fake)  # (B,), (B,)
        loss = self._d_loss(x_real, x_fake, real_logits, fake_logits, labels)
        if joint:
            loss_g = self._g_fn(fake_logits)
            _set_grads(self._d_params, torch.autograd.grad(loss, self._d_params, retain_graph=True))
            grads = _set_grads(self._g_params, torch.autograd.grad(loss_g, self._g_params))
            self.opt_g.step()
            self._step += 1
        else:
            self.opt_d.zero_grad(set_to_none=True)
            loss.backward()
        self.opt_d.step()
        if cfg.clip_value is not None:
            _losses.clip_weights_(self.D, cfg.clip_value)
        d = (loss.detach(), real_logits.detach(), fake_logits.detach())
        return (d, (loss_g.detach(), _grad_norm(grads) if want_norm else None)) if joint else d

    def _g_update(self, want_norm=False):
        """One G step on a fresh z -> (loss_g, grad_norm_g or None)."""
        cfg = self.config
        z = self._prior(cfg.batch_size)                           # (B, latent_dim)
        x_fake = self.G(z)                                        # (B, *data_shape)
        if cfg.instance_noise:
            x_fake = self._noise(x_fake)
        loss = self._g_fn(self.D(x_fake))                          # D(x_fake): (B,)
        grads = _set_grads(self._g_params, torch.autograd.grad(loss, self._g_params))
        self.opt_g.step()                                         # (D's weight grads skipped)
        self._step += 1
        return loss.detach(), (_grad_norm(grads) if want_norm else None)

    def _round(self):
        """n_critic D steps then one G step (or a joint last step); no host sync."""
        cfg, nxt = self.config, self._step + 1
        want = nxt % cfg.log_every == 0
        for i in range(cfg.n_critic):
            d = self._d_update(cfg.simultaneous and i == cfg.n_critic - 1, want)
            if cfg.simultaneous and i == cfg.n_critic - 1:
                d, g = d
            self._pend_d.append(d[0])
            self._pend_step.append(nxt)
        if not cfg.simultaneous:
            g = self._g_update(want)
        self._pend_g.append(g[0])
        self._last = (d, g)
        if self._step in self._sample_set:
            self._store_samples()

    def d_step(self) -> dict:
        """One D update (no history) -> floats; NaN/inf raises TrainingDiverged."""
        out = self._stats(*self._d_update())
        if not math.isfinite(out["loss_d"]):
            self._diverged(self._step + 1, out["loss_d"], math.nan)
        return out

    def g_step(self) -> dict:
        """One G update (counts as a step; no history) -> floats."""
        loss, norm = (t.item() for t in self._g_update(True))
        if not math.isfinite(loss):
            self._diverged(self._step, math.nan, loss)
        return {"loss_g": loss, "grad_norm_g": norm}

    @property
    def step(self):
        """G updates done, as an int that is also callable: ``trainer.step()`` runs one round
        (n_critic D steps + one G step), logs at ``log_every`` boundaries, returns floats."""
        return _Step(self._step, self)

    def _step_once(self) -> dict:
        self._round()
        (loss_d, real_logits, fake_logits), (loss_g, norm) = self._last
        out = {**self._stats(loss_d, real_logits, fake_logits), "loss_g": loss_g.item()}
        if self._step % self.config.log_every == 0 or not math.isfinite(out["loss_d"] + out["loss_g"]):
            self._flush()
        return out

    def request_stop(self):
        self.stop_requested.set()   # run() stops after the current round; any thread

    def set_lr(self, lr_d=None, lr_g=None):
        """Change learning rates in place (config is updated and re-validated)."""
        cfg = self.config
        self.config = dataclasses.replace(cfg, lr_d=cfg.lr_d if lr_d is None else lr_d,
                                          lr_g=cfg.lr_g if lr_g is None else lr_g)
        self._set_group_lr()

    def _set_group_lr(self):
        cfg = self.config      # linear decay, updated every log_every steps
        scale = 1.0 - cfg.lr_decay * min(self._step / cfg.steps, 1.0)
        for opt, lr in ((self.opt_d, cfg.lr_d), (self.opt_g, cfg.lr_g)):
            for group in opt.param_groups:
                group["lr"] = lr * scale

    def set_n_critic(self, k):
        self.config = dataclasses.replace(self.config, n_critic=k)   # from the next round

    def _stats(self, loss_d, real_logits, fake_logits) -> dict:
        bce = self.config.loss in LABEL_LOSSES
        r, f = real_logits.float().mean(), fake_logits.float().mean()
        vals = torch.stack([loss_d.float(), torch.sigmoid(real_logits).mean() if bce else r,
                            torch.sigmoid(fake_logits).mean() if bce else f, r - f]).tolist()
        return dict(zip(("loss_d", "d_real", "d_fake", "wasserstein"), vals))

    @torch.no_grad()
    def _store_samples(self):
        self.history.samples[self._step] = self.G(self.fixed_z).cpu()

    def _flush(self):
        """Sync once: check pending losses, append a history row, take a snapshot."""
        if not self._pend_g and not self._pend_d:
            return
        vals = torch.stack(self._pend_d + self._pend_g).float().tolist()   # the one sync
        (loss_d, real_logits, fake_logits), (loss_g, norm) = self._last
        n_d = len(self._pend_d)
        vd, vg = vals[:n_d], vals[n_d:]
        first_g = self._step - len(vg) + 1
        bad = [(s, v, float("nan")) for s, v in zip(self._pend_step, vd) if not math.isfinite(v)]
        bad += [(first_g + i, float("nan"), v) for i, v in enumerate(vg) if not math.isfinite(v)]
        self._pend_d, self._pend_g, self._pend_step = [], [], []
        if bad:
            self._diverged(*min(bad, key=lambda b: b[0]))
        row = self._stats(loss_d, real_logits, fake_logits)
        row.update(step=self._step, loss_d=sum(vd) / n_d, loss_g=sum(vg) / len(vg),
                   grad_norm_g=norm.item() if norm is not None else float("nan"),
                   wall_time=self.wall_time + time.perf_counter() - self._t0)
        for f in History.FIELDS:
            getattr(self.history, f).append(row[f])
        if self.config.lr_decay:
            self._set_group_lr()
        if not self._take_snapshot():
            self._diverged(self._step, row["loss_d"], row["loss_g"])
        return row

    def _state_tensors(self):
        return ([t for m in (self.G, self.D) for t in (*m.parameters(), *m.buffers())],
                [(o, p, k, v) for o in (self.opt_d, self.opt_g) for p, st in o.state.items()
                 for k, v in st.items()])

    @torch.no_grad()
    def _take_snapshot(self) -> bool:
        """Copy G, D, optimizers, random stream and step (cheap: in-place copies)."""
        model, opt = self._state_tensors()
        norms = torch.stack([t.float().norm() for t in model if t.is_floating_point()])
        if self._snap is not None and not bool(torch.isfinite(norms).all()):
            return False
        key = [(id(p), k) for o, p, k, v in opt]
        snap = self._snap
        if snap is None or snap["key"] != key:
            snap = self._snap = {"key": key, "model": [t.clone() for t in model],
                                 "opt": [v.clone() if torch.is_tensor(v) else v for *_, v in opt]}
        else:
            _copy(snap["model"], model)
            pairs = [(s, v) for s, (*_, v) in zip(snap["opt"], opt) if torch.is_tensor(v)]
            _copy([s for s, _ in pairs], [v for _, v in pairs])
        snap.update(step=self._step, rng=self.gen.get_state(), n_hist=len(self.history),
                    ref=opt)
        return True

    @torch.no_grad()
    def _restore_snapshot(self):
        snap = self._snap
        model, _ = self._state_tensors()
        _copy(model, snap["model"])
        for o in (self.opt_d, self.opt_g):
            o.state.clear()
        for (o, p, k, _), v in zip(snap["ref"], snap["opt"]):
            o.state[p][k] = v.clone() if torch.is_tensor(v) else v
        self._step = snap["step"]
        self.gen.set_state(snap["rng"])
        for f in History.FIELDS:
            del getattr(self.history, f)[snap["n_hist"]:]
        self._pend_d, self._pend_g, self._pend_step = [], [], []

    def _diverged(self, step, loss_d, loss_g):
        self._restore_snapshot()
        raise TrainingDiverged(step, loss_d, loss_g, self._snap["step"])

    def run(self, steps=None, callbacks=()) -> History:
        """Run ``steps`` more rounds (default: until ``config.steps`` in total).

        ``callbacks``: callables ``cb(trainer)`` called after each logged row (every
        ``log_every`` steps); one returning True stops the run. ``request_stop()`` (from any
        thread) stops after the current round. Resumable: call again to continue."""
        cfg = self.config
        n = max(cfg.steps - self._step, 0) if steps is None else int(steps)
        self.stop_requested.clear()
        if 0 in self._sample_set and 0 not in self.history.samples and self._step == 0:
            self._store_samples()
        from tqdm.auto import tqdm
        bar = tqdm(total=n, disable=not cfg.progress, desc=f"GAN ({cfg.loss})", leave=False)
        self._t0, start = time.perf_counter(), self._step
        try:
            for _ in range(n):
                if self.stop_requested.is_set():
                    break
                self._round()
                if self._step % self.config.log_every == 0:
                    row = self._flush()
                    bar.update(self._step - start - bar.n)
                    bar.set_postfix(loss_d=row["loss_d"], loss_g=row["loss_g"], refresh=False)
                    if any([cb(self) for cb in callbacks]):
                        break
            self._flush()
        finally:
            self.wall_time += time.perf_counter() - self._t0
            bar.close()
        return self.history

    def state_dict(self) -> dict:
        """Both players, both optimizers, step, history, random stream, config (plain dict)."""
        return {"G": self.G.state_dict(), "D": self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "step": self._step, "history": self.history.as_dict(),
                "config": dataclasses.asdict(self.config), "rng": self.gen.get_state(),
                "wall_time": self.wall_time}

    def load_state_dict(self, state):
        for name in ("G", "D", "opt_g", "opt_d"):
            getattr(self, name).load_state_dict(state[name])
        self._step, self.wall_time = int(state["step"]), float(state.get("wall_time", 0.0))
        self.history = History(state["history"])
        self.gen.set_state(state["rng"].cpu())
        self._pend_d, self._pend_g, self._pend_step, self._snap = [], [], [], None
        self._take_snapshot()

    def save(self, path):
        torch.save(self.state_dict(), path)   # load with Trainer.load

    @classmethod
    def load(cls, path, G, D, data, **overrides) -> "Trainer":
        """Rebuild a trainer from :meth:`save` output (``torch.load(weights_only=True)``)."""
        state = torch.load(path, map_location="cpu", weights_only=True)
        trainer = cls(G, D, data, TrainConfig(**state["config"]), **overrides)
        trainer.load_state_dict(state)
        return trainer


class _Step(int):
    """An int (G updates done) that runs one more round when called."""
    def __new__(cls, value, trainer):
        obj = super().__new__(cls, value)
        obj._trainer = trainer
        return obj

    def __call__(self) -> dict:
        return self._trainer._step_once()


def _grad_norm(grads):   # ‖(g_1, ..., g_n)‖₂ over all of G's parameters
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def _set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = g
    return grads


def _copy(dst, src):
    for d, s in zip(dst, src):
        d.copy_(s)


def train(G, D, data, config=None, callbacks=(), **overrides) -> History:
    """Build a :class:`Trainer` and run it to ``config.steps`` (chapter 2)."""
    return Trainer(G, D, data, config, **overrides).run(callbacks=callbacks)
