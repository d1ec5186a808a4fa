"""One GAN training loop for every loss, configured by a dataclass (chapters 2, 4, 5, 7).

Chapter 2 runs Algorithm 1 of Goodfellow et al. (2014) with :func:`train`; chapter 4 compares
"minimax" and "nonsaturating"; chapter 5 uses "wgan", "wgan-gp", ``n_critic`` and the
Wasserstein estimate; chapter 7 the tricks, callbacks, checkpoints and recipes.
:class:`~ganlib.config.TrainConfig` and the recipes live in :mod:`ganlib.config` (re-exported).

Random stream: :class:`ganlib.draws.Stream` is the contract in code (what is drawn, in which
order); the stacked engine of :func:`ganlib.sweep.run_sweep` uses the same class. A round
(``round()``) is ``n_critic`` D steps and one G step; ``simultaneous=True`` merges the last D
step and the G step (one draw, both players updated from the same parameters). Models are
never re-initialised here: seed before building them.

Hot path: no host sync per step; every ``log_every`` steps one sync checks losses for NaN/inf
and keeps a copy of players, optimizers and random stream (:class:`ganlib.rollback.Snapshot`,
owned by the trainer) for :class:`TrainingDiverged` to restore. The D step builds ``G(z)``
without a graph; the G step differentiates G only.
"""
from __future__ import annotations

import copy
import dataclasses
import math
import threading
import time

import torch

from . import data as _data
from . import losses as _losses
from .config import Knob, RECIPE_MODELS, RECIPES, TrainConfig, _check, recommended_config
from .draws import Stream
from .history import History, TrainingDiverged
from .rollback import NonFiniteState, Snapshot, check_finite
from .runtime import device as _device

_RUN_STEPS = Knob("int", "rounds to run", lo=0)         # run(steps): an integer >= 0

__all__ = ["TrainConfig", "Trainer", "History", "TrainingDiverged", "NonFiniteState", "train",
           "RECIPES", "RECIPE_MODELS", "recommended_config"]


class Trainer:
    """Trains G against D on ``data`` (a Distribution, a tensor dataset or a dataset name).

    ``round()`` runs one round: ``n_critic`` D updates, then one G update (Algorithm 1 of
    Goodfellow et al. 2014); ``run()`` loops rounds with callbacks, progress and history."""

    def __init__(self, G, D, data, config: TrainConfig | None = None, **overrides):
        config = TrainConfig() if config is None else config
        _check(isinstance(config, TrainConfig), "config", type(config).__name__,
               "a ganlib.train.TrainConfig (or None); pass fields as keyword overrides")
        self.config = dataclasses.replace(config, **overrides) if overrides else config
        cfg = self.config
        for name, model in (("G", G), ("D", D)):
            _check(isinstance(model, torch.nn.Module), name, type(model).__name__,
                   "a torch.nn.Module")
        self.device = _device(cfg.device)
        self.G, self.D = G.to(self.device), D.to(self.device)
        for name, model in (("G", G), ("D", D)):
            check_finite(name, [*model.parameters(), *model.buffers()])
        self.data = self._resolve_data(data)
        self.latent_dim = getattr(G, "latent_dim", None)
        _check(isinstance(self.latent_dim, int), "G", type(G).__name__,
               "a generator with .latent_dim")
        self.spec = _losses.get_loss(cfg.loss)
        self._clip = cfg.resolved_clip_value()
        self._d_fn, self._g_fn, self._penalty = self.spec
        self._g_params = [p for p in G.parameters() if p.requires_grad]
        self._d_params = [p for p in D.parameters() if p.requires_grad]
        self.opt_d = self._make_opt(self._d_params, cfg.lr_d, cfg.betas_d or cfg.betas)
        self.opt_g = self._make_opt(self._g_params, cfg.lr_g, cfg.betas_g or cfg.betas)
        self.stream = Stream(self.data, cfg.batch_size, self.latent_dim, cfg.prior, cfg.seed,
                             self.device)
        self.fixed_z = self.stream.fixed_z(cfg.n_samples)        # (n_samples, latent_dim)
        self.history, self._step, self.wall_time = History(), 0, 0.0
        self._sample_set, self._t0 = set(cfg.sample_steps), time.perf_counter()
        self.stop_requested = threading.Event()
        self._pend_d, self._pend_g, self._pend_step = [], [], []
        self._last = None
        self.snapshot = Snapshot([self.G, self.D], [self.opt_d, self.opt_g], self.stream)
        self.snapshot.take(0, 0)

    @property
    def gen(self) -> torch.Generator:
        """The training stream's ``torch.Generator`` (``self.stream.gen``)."""
        return self.stream.gen

    def _resolve_data(self, data):
        if isinstance(data, str):
            data = _data.get_dataset(data)
        if isinstance(data, torch.Tensor):
            data = data.to(self.device, torch.float32)
            if data.dim() == 1:
                data = data[:, None]                          # (N,) -> (N, 1)
            _check(len(data) > 0 and bool(torch.isfinite(data).all()), "data",
                   f"tensor of shape {tuple(data.shape)} with NaN/inf or no rows",
                   "a non-empty tensor dataset of finite values")
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
        return self.stream.prior(n, gen)                          # (n, latent_dim)

    def _labels(self):
        cfg, B = self.config, self.config.batch_size
        real_label = _losses.smooth_labels(1.0, cfg.label_smoothing)   # one-sided smoothing
        if not cfg.label_noise:
            return real_label, 0.0
        real = torch.full((B,), real_label, device=self.device)
        fake = torch.zeros(B, device=self.device)
        return (self.stream.flip(real, cfg.label_noise), self.stream.flip(fake, cfg.label_noise))

    def _check_logits(self, logits):
        if logits.shape != (self.config.batch_size,):
            raise ValueError(f"D returned shape {tuple(logits.shape)} for a batch of "
                             f"{self.config.batch_size}; D must return one logit per sample, "
                             f"shape ({self.config.batch_size},)")

    def _d_loss(self, x_real, x_fake, real_logits, fake_logits, labels):
        cfg = self.config
        loss = self._d_fn(real_logits, fake_logits, *labels) if labels else \
            self._d_fn(real_logits, fake_logits)
        if self._penalty is not None:          # wgan-gp, dragan: losses.LOSSES says which
            loss = loss + cfg.gp_weight * self._penalty(self.D, x_real, x_fake,
                                                        generator=self.stream.gen)
        if cfg.r1_weight:
            loss = loss + cfg.r1_weight * _losses.r1_penalty(self.D, x_real)
        return loss

    def _d_update(self, joint=False, want_norm=False):
        """One D step -> (loss_d, real_logits, fake_logits); ``joint``: also the G step from
        the same draw and parameters (simultaneous) -> (d_tuple, (loss_g, grad_norm_g))."""
        cfg = self.config
        x_real, z = self.stream.d_step()                          # (B, *data_shape), (B, latent)
        with torch.set_grad_enabled(joint):
            x_fake = self.G(z)                                    # (B, *data_shape)
        labels = self._labels() if self.spec.labels else None
        if cfg.instance_noise:
            x_real = self.stream.noise(x_real, cfg.instance_noise)
            x_fake = self.stream.noise(x_fake, cfg.instance_noise)
        real_logits, fake_logits = self.D(x_real), self.D(x_fake)  # (B,), (B,)
        self._check_logits(real_logits)
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
        if self._clip is not None:                # config.resolved_clip_value(): wgan 0.01
            _losses.clip_weights_(self.D, self._clip)
        d = (loss.detach(), real_logits.detach(), fake_logits.detach())
        return (d, (loss_g.detach(), _grad_norm(grads) if want_norm else None)) if joint else d

    def _g_update(self, want_norm=False):
        """One G step on a fresh z -> (loss_g, grad_norm_g or None)."""
        cfg = self.config
        z = self.stream.g_step()                                  # (B, latent_dim)
        x_fake = self.G(z)                                        # (B, *data_shape)
        if cfg.instance_noise:
            x_fake = self.stream.noise(x_fake, cfg.instance_noise)
        fake_logits = self.D(x_fake)                              # (B,)
        self._check_logits(fake_logits)
        loss = self._g_fn(fake_logits)
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
        self._keep(out["loss_d"], math.nan)
        return out

    def g_step(self) -> dict:
        """One G update (counts as a step; no history) -> floats."""
        loss, norm = (t.item() for t in self._g_update(True))
        if not math.isfinite(loss):
            self._diverged(self._step, math.nan, loss)
        self._keep(math.nan, loss)
        if self._step in self._sample_set:
            self._store_samples()
        return {"loss_g": loss, "grad_norm_g": norm}

    def _keep(self, loss_d, loss_g):
        """After a finite manual step: it becomes the last finite state (else roll back)."""
        if not self.snapshot.take(self._step, len(self.history)):
            self._diverged(self._step, loss_d, loss_g)

    @property
    def step(self) -> int:
        """Generator updates done so far."""
        return self._step

    def round(self) -> dict:
        """One round of Algorithm 1: ``n_critic`` D steps, then one G step (or one simultaneous
        update). Logs at ``log_every`` boundaries; returns the round's losses and stats as
        floats."""
        self._round()
        (loss_d, real_logits, fake_logits), (loss_g, norm) = self._last
        out = {**self._stats(loss_d, real_logits, fake_logits), "loss_g": loss_g.item()}
        if self._step % self.config.log_every == 0 or \
                not math.isfinite(out["loss_d"] + out["loss_g"]):
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
        """Learning rates from the config at this step (``TrainConfig.lr_scale``: the linear
        decay, a function of the last log step, so how ``run()`` is split never matters)."""
        cfg = self.config
        scale = cfg.lr_scale(self._step)
        for opt, lr in ((self.opt_d, cfg.lr_d), (self.opt_g, cfg.lr_g)):
            for group in opt.param_groups:
                group["lr"] = lr * scale

    def _set_group_hparams(self):
        """Learning rates, betas/momentum of both optimizers from the config (after loading
        an optimizer state, whose param_groups carry the checkpoint's values)."""
        cfg = self.config
        for opt, betas in ((self.opt_d, cfg.betas_d or cfg.betas),
                           (self.opt_g, cfg.betas_g or cfg.betas)):
            for group in opt.param_groups:
                if "betas" in group:
                    group["betas"] = betas
                if "momentum" in group and cfg.optimizer == "sgd":
                    group["momentum"] = betas[0]
        self._set_group_lr()

    def set_n_critic(self, k):
        """D steps per G step from the next round (config re-validated)."""
        self.config = dataclasses.replace(self.config, n_critic=k)

    def _stats(self, loss_d, real_logits, fake_logits) -> dict:
        bce = self.spec.sigmoid
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
        if not self.snapshot.take(self._step, len(self.history)):
            self._diverged(self._step, row["loss_d"], row["loss_g"])
        return row

    def _diverged(self, step, loss_d, loss_g):
        """Restore the last finite state (players, optimizers, stream, step, history,
        samples) and raise :class:`TrainingDiverged`."""
        self._step, n_hist = self.snapshot.restore()
        for f in History.FIELDS:
            del getattr(self.history, f)[n_hist:]
        for s in [s for s in self.history.samples if s > self._step]:
            del self.history.samples[s]
        self._pend_d, self._pend_g, self._pend_step = [], [], []
        raise TrainingDiverged(step, loss_d, loss_g, self._step)

    def run(self, steps=None, callbacks=()) -> History:
        """Run ``steps`` more rounds (default: until ``config.steps`` in total).

        ``callbacks``: callables ``cb(trainer)`` called after each logged row (every
        ``log_every`` steps); one returning True stops the run. ``request_stop()`` (from any
        thread) stops after the current round. Resumable: call again to continue."""
        cfg = self.config
        if steps is not None:
            steps = _RUN_STEPS.check("steps", steps)
        n = max(cfg.steps - self._step, 0) if steps is None else steps
        _check(not callable(callbacks) and hasattr(callbacks, "__iter__"), "callbacks",
               callbacks, "a list of callables cb(trainer)")
        callbacks = list(callbacks)
        _check(all(callable(cb) for cb in callbacks), "callbacks", callbacks,
               "a list of callables cb(trainer)")
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
        """Both players, both optimizers, step, history, random stream, config (plain dict):
        a copy, so that training on does not change it (torch's own ``state_dict`` returns
        the live tensors)."""
        return copy.deepcopy({"G": self.G.state_dict(), "D": self.D.state_dict(),
                              "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                              "step": self._step, "history": self.history.as_dict(),
                              "config": dataclasses.asdict(self.config),
                              "rng": self.gen.get_state(), "wall_time": self.wall_time})

    def load_state_dict(self, state):
        """Load :meth:`state_dict` output; its weights must be finite (else
        :class:`NonFiniteState`, the trainer unchanged). The optimizers then take this
        trainer's config (learning rates at this step, betas), so overrides apply at once."""
        _check(isinstance(state, dict), "state", type(state).__name__, "a dict from state_dict()")
        missing = [k for k in ("G", "D", "opt_g", "opt_d", "step", "history", "rng")
                   if k not in state]
        _check(not missing, "state", f"dict missing {missing}",
               "a checkpoint from Trainer.save / state_dict() with keys G, D, opt_g, opt_d, "
               "step, history, rng")
        for name in ("G", "D"):
            check_finite(f"checkpoint[{name!r}]", state[name].values())
        for name in ("opt_g", "opt_d"):
            check_finite(f"checkpoint[{name!r}]", [v for st in state[name]["state"].values()
                                                   for v in st.values()])
        for name in ("G", "D"):                      # modules copy into their parameters
            getattr(self, name).load_state_dict(state[name])
        for name in ("opt_g", "opt_d"):              # optimizers keep what they get: a copy
            getattr(self, name).load_state_dict(copy.deepcopy(state[name]))
        self._step, self.wall_time = int(state["step"]), float(state.get("wall_time", 0.0))
        self.history = History(state["history"])
        self.stream.set_state(state["rng"].cpu())
        self._pend_d, self._pend_g, self._pend_step = [], [], []
        self._set_group_hparams()
        self.snapshot.take(self._step, len(self.history))

    def save(self, path):
        torch.save(self.state_dict(), path)   # load with Trainer.load

    @classmethod
    def load(cls, path, G, D, data, **overrides) -> "Trainer":
        """Rebuild a trainer from ``save()`` output (``torch.load(weights_only=True)``)."""
        state = torch.load(path, map_location="cpu", weights_only=True)
        _check(isinstance(state, dict) and isinstance(state.get("config"), dict), "path", path,
               "a file written by Trainer.save (a dict with a 'config')")
        trainer = cls(G, D, data, TrainConfig(**state["config"]), **overrides)
        trainer.load_state_dict(state)
        return trainer


def _grad_norm(grads):   # ‖(g_1, ..., g_n)‖₂ over all of G's parameters
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def _set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = g
    return grads


def train(G, D, data, config=None, callbacks=(), **overrides) -> History:
    """Build a :class:`Trainer` and run it to ``config.steps`` (chapter 2)."""
    return Trainer(G, D, data, config, **overrides).run(callbacks=callbacks)
