"""Seed and hyperparameter sweeps: K independent small GANs trained in one vectorized run.

One run of a GAN proves little; chapter 4 (Saturation) and chapter 5 (Wasserstein) make
their claims over seeds ("non-saturating: 16/16 seeds cover all modes; minimax: 3/16") and
over grids of settings (phase diagrams lr_d × lr_g). :func:`run_sweep` trains every member
(a setting of ``grid`` × a seed) at once with stacked MLP weights (:mod:`ganlib.stacked`);
member k follows the run ``Trainer(G_k, D_k, data, config_k).run()`` to float rounding. A
member whose loss turns NaN/inf is restored to its last finite state, frozen and reported as
diverged. Plots: :func:`~ganlib.sweep_result.plot_success_rate`,
:func:`~ganlib.sweep_result.plot_phase_diagram`, :func:`~ganlib.sweep_result.plot_samples_grid`.
"""
from __future__ import annotations

import dataclasses
import itertools
import numbers
import time

import torch

from . import losses as _losses
from . import workers as _workers
from .config import KNOBS, TrainConfig
from .data import get_dataset
from .draws import Stream
from .runtime import device as _device
from .sweep_result import SweepResult, plot_phase_diagram, plot_samples_grid, plot_success_rate
from .stacked import (STACKABLE, MemberLosses, RandomStreams, StackedMLP, StackedOptimizer,
                      build_members, stacked_gradient_penalty, stacked_r1_penalty)

__all__ = ["run_sweep", "SweepResult", "StackedTrainer", "SWEEP_KEYS", "check_stackable",
           "plot_success_rate",
           "plot_phase_diagram", "plot_samples_grid"]

#: TrainConfig fields that may differ between the members of one sweep (their Knob says
#: ``sweep="vary"``); "shared" fields take one value for all, "default" ones only the default.
SWEEP_KEYS = tuple(name for name, k in KNOBS.items() if k.sweep == "vary")
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainConfig)}


def check_stackable(configs) -> None:
    """ValueError naming the first field the stacked engine cannot train as given: a
    "shared" field that differs between members, a "default" field set to another value, or
    a loss that is not stackable. Every field is checked; none is ignored."""
    cfg = configs[0]
    for c in configs:
        _check_config(c)
        for name, k in KNOBS.items():
            value = getattr(c, name)
            if k.sweep == "shared" and value != getattr(cfg, name):
                raise ValueError(f"{name}={value!r} differs between members ({name}="
                                 f"{getattr(cfg, name)!r} in the first); only "
                                 f"{', '.join(SWEEP_KEYS)} may vary in a sweep")
            if k.sweep == "default" and value != _DEFAULTS[name]:
                raise ValueError(f"{name}={value!r} is not supported by sweeps; allowed: "
                                 f"{name}={_DEFAULTS[name]!r} (train it with ganlib.train."
                                 "Trainer instead)")
        if c.loss not in STACKABLE:
            raise ValueError(f"loss={c.loss!r} is not one of {', '.join(map(repr, STACKABLE))}"
                             " (the losses a sweep can stack)")


def _check_config(c):
    if not isinstance(c, TrainConfig):
        raise ValueError(f"configs contains a {type(c).__name__}; allowed: TrainConfig")


class StackedTrainer:
    """Trains K independent (G_k, D_k) pairs exactly as K :class:`ganlib.train.Trainer` runs.

    ``Gs``, ``Ds``: K initialised MLPs; ``configs``: K TrainConfig differing only in
    :data:`SWEEP_KEYS`; ``data``: one dataset for all, or a list of K datasets of one shape
    (member k trains on ``data[k]``, e.g. the ring and the grid in one stack).
    Member k draws from its own stream in the Trainer's documented order
    (:class:`~ganlib.stacked.RandomStreams`); ``paired=True``: one stream (``configs[0].seed``)
    for all. ``run()`` then :meth:`samples`; ``rows`` holds the logged history.
    """

    def __init__(self, Gs, Ds, data, configs, paired=False):
        if not configs:
            raise ValueError("configs is empty; allowed: a non-empty list of TrainConfig")
        check_stackable(configs)
        self.K, cfg = len(configs), configs[0]
        self.configs, self.cfg, self.paired = configs, cfg, paired
        self.device = _device(cfg.device)
        if isinstance(data, (list, tuple)):
            if len(data) != self.K:
                raise ValueError(f"data is a list of {len(data)} datasets; allowed: one dataset "
                                 f"or one per member (K={self.K})")
            data = [d.to(self.device) if torch.is_tensor(d) else d for d in data]
        self.data = data.to(self.device) if torch.is_tensor(data) else data
        self.latent_dim = Gs[0].latent_dim
        self.G = StackedMLP([G.to(self.device) for G in Gs])
        self.D = StackedMLP([D.to(self.device) for D in Ds])
        def col(name, dt=torch.float32):  # (K, 1) per-member column
            return torch.tensor([float(getattr(c, name) or 0.0) for c in configs], dtype=dt,
                                device=self.device)[:, None]
        betas_d, betas_g = cfg.betas_d or cfg.betas, cfg.betas_g or cfg.betas
        self.opt_d = StackedOptimizer(self.D.flat, cfg.optimizer, col("lr_d", torch.float64),
                                      betas_d, momentum=betas_d[0])  # Trainer: SGD momentum = b1
        self.opt_g = StackedOptimizer(self.G.flat, cfg.optimizer, col("lr_g", torch.float64),
                                      betas_g, momentum=betas_g[0])
        self.gp_weight, self.r1_weight = col("gp_weight").squeeze(1), col("r1_weight").squeeze(1)
        specs = [_losses.get_loss(c.loss) for c in configs]
        self.gp_weight = torch.where(torch.tensor([s.penalty is not None for s in specs],
                                                  device=self.device), self.gp_weight, 0.0)
        clip = [c.resolved_clip_value() for c in configs]
        self.clip = None if all(c is None for c in clip) else torch.tensor(
            [c if c is not None else float("inf") for c in clip], device=self.device)[:, None]
        self.n_critic = torch.tensor([c.n_critic for c in configs], device=self.device)
        self.bce = torch.tensor([s.sigmoid for s in specs], device=self.device)
        self.losses = MemberLosses([(c.loss, c.label_smoothing) for c in configs], self.device)
        # random streams: one per distinct (seed, n_critic, draws ε); one for all if paired
        keys = [(c.seed, c.n_critic, s.penalty is not None) for c, s in zip(configs, specs)]
        if paired:
            keys = [(cfg.seed, max(k[1] for k in keys), any(k[2] for k in keys))] * self.K
        self.streams = RandomStreams(self.data, keys, cfg.batch_size, self.latent_dim,
                                     cfg.prior, self.device)
        self.alive = torch.ones(self.K, dtype=torch.bool, device=self.device)
        self.diverged_step = torch.full((self.K,), -1, device=self.device)  # -1: finite
        self.step, self.rows, self.wall_time, self._last_flush = 0, [], 0.0, 0
        self._sum_d, self._n_d, self._sum_g = torch.zeros(3, self.K, device=self.device)
        self.fixed_z = torch.stack([Stream(None, cfg.batch_size, self.latent_dim, cfg.prior,
                                           c.seed, self.device).fixed_z(cfg.n_samples)
                                    for c in configs])  # (K, n, latent)
        self.snapshots = {}
        self._plan = [self._d_plan(i, specs) for i in range(int(self.n_critic.max()))]
        self._take_snapshot()

    def _d_plan(self, i, specs):
        """Who computes what in D step i of a round: the members with n_critic > i (``rows``,
        None: all), their losses, and among them (positions in ``rows``) those with a
        gradient penalty and those with R1 (None: all of them, empty: none). A step computes
        only these members: the others would be multiplied by 0 (a mixed n_critic, or GP
        beside clipping, costs only what it uses)."""
        rows = [k for k, c in enumerate(self.configs) if c.n_critic > i]
        def subset(flags):
            sub = [j for j, k in enumerate(rows) if flags[k]]
            return None if len(sub) == len(rows) else torch.tensor(sub, device=self.device)
        gp = subset([s.penalty is not None for s in specs])
        r1 = subset([bool(c.r1_weight) for c in self.configs])
        idx = None if len(rows) == self.K else torch.tensor(rows, device=self.device)
        losses = self.losses if idx is None else MemberLosses(
            [(self.configs[k].loss, self.configs[k].label_smoothing) for k in rows], self.device)
        return idx, losses, (gp, _take(self.gp_weight, idx)), (r1, _take(self.r1_weight, idx))

    def _take_snapshot(self):
        """Last finite state, taken at every NaN check (each log step), as the Trainer does."""
        self._snap = (self.opt_d.state(), self.opt_g.state())

    def _kill(self, bad):
        """Members with bad (K,) True: restore their last finite state and freeze them."""
        new = bad & self.alive
        if bool(new.any()):
            self.diverged_step = torch.where(new, self.step + 1, self.diverged_step)
            self.alive = self.alive & ~new
            self.opt_d.restore(self._snap[0], new)
            self.opt_g.restore(self._snap[1], new)

    def _d_update(self, i, active):
        idx, losses, gp, r1 = self._plan[i]
        x_real, z, eps = (_take(t, idx) for t in self.streams.draw_d(i))  # (k, B, ...)
        views = self.D.views()
        sub = [_take(v, idx) for v in views]                 # the stepping members' layers
        with torch.no_grad():
            x_fake = self.G(z, [_take(v, idx) for v in self.G.views()])  # (k, B, d)
        real_logits, fake_logits = self.D(x_real, sub), self.D(x_fake, sub)  # (k, B) each
        loss = losses.d_loss(real_logits, fake_logits)  # (k,)
        penalties = ((gp, stacked_gradient_penalty, (x_real, x_fake, eps)),
                     (r1, stacked_r1_penalty, (x_real,)))
        for (rows, weight), penalty, inputs in penalties:
            if rows is not None and not len(rows):
                continue                                     # no member has this penalty
            pv = [_take(v, rows) for v in sub]               # the penalised members' layers
            pen = _take(weight, rows) * penalty(lambda x, pv=pv: self.D(x, pv),
                                                *(_take(t, rows) for t in inputs))
            loss = loss + pen if rows is None else loss.index_add(0, rows, pen)
        if idx is not None:                                  # (K,): 0 for the idle members
            loss = loss.new_zeros(self.K).index_copy(0, idx, loss)
        finite = torch.isfinite(loss)
        grads = torch.autograd.grad(torch.where(active & finite, loss, 0.0).sum(),
                                    [v for v in views if v is not None])
        self._kill(active & ~finite)  # after autograd: restoring writes into D.flat
        active = active & self.alive
        self.opt_d.step(StackedMLP.flat_grad(grads), active)
        if self.clip is not None:  # losses.clip_weights_: every D parameter into [-c, c]
            flat = self.D.flat.data  # minimum/maximum: 35 µs vs clamp's 212 µs (K=32, 1 thread)
            torch.minimum(torch.maximum(flat, -self.clip, out=flat), self.clip, out=flat)
        self._sum_d += torch.where(active, loss.detach(), 0.0)
        self._n_d += active
        # each member's logits of its own last D step (logged as d_real / d_fake)
        real, fake = real_logits.detach(), fake_logits.detach()
        if idx is not None:
            real = self._last_d[0].index_copy(0, idx, real)
            fake = self._last_d[1].index_copy(0, idx, fake)
        self._last_d = (real, fake)

    def _g_update(self, want_norm):
        z = self.streams.draw_g()
        views = self.G.views()
        loss = self.losses.g_loss(self.D(self.G(z, views)))  # (K,)
        finite = torch.isfinite(loss)
        grad = StackedMLP.flat_grad(torch.autograd.grad(  # (K, P_G)
            torch.where(self.alive & finite, loss, 0.0).sum(), [v for v in views if v is not None]))
        self._kill(~finite)
        self.opt_g.step(grad, self.alive)
        self._sum_g += torch.where(self.alive, loss.detach(), 0.0)
        self.step += 1
        return grad.norm(dim=1) if want_norm else None

    def _flush(self, grad_norm):
        """As Trainer._flush: a history row (interval means), lr decay, last-finite snapshot."""
        real, fake = self._last_d  # (K, B)
        raw_r, raw_f = real.mean(1), fake.mean(1)
        nan = torch.tensor(float("nan"), device=self.device)  # diverged members: no loss
        self.rows.append(dict(
            step=self.step, loss_d=torch.where(self.alive, self._sum_d / self._n_d.clamp(min=1),
                                               nan),
            loss_g=torch.where(self.alive, self._sum_g / (self.step - self._last_flush), nan),
            d_real=torch.where(self.bce, torch.sigmoid(real).mean(1), raw_r),
            d_fake=torch.where(self.bce, torch.sigmoid(fake).mean(1), raw_f),
            grad_norm_g=grad_norm, wasserstein=raw_r - raw_f, wall_time=self.wall_time))
        self._sum_d, self._n_d, self._sum_g = torch.zeros(3, self.K, device=self.device)
        self._last_flush = self.step
        if self.cfg.lr_decay:  # as Trainer: TrainConfig.lr_scale (the linear decay)
            scale = self.cfg.lr_scale(self.step)
            self.opt_d.set_lr(self.opt_d.lr0 * scale), self.opt_g.set_lr(self.opt_g.lr0 * scale)
        self._take_snapshot()

    def run(self, steps=None):
        """Train ``steps`` rounds (default ``config.steps``): n_critic D steps, one G step."""
        steps = self.cfg.steps if steps is None else steps
        n_max, same_nc = int(self.n_critic.max()), bool((self.n_critic == self.n_critic[0]).all())
        sample_set = set(self.cfg.sample_steps)
        if 0 in sample_set and self.step == 0:
            self.snapshots[0] = self.samples()
        for _ in range(steps):
            t0 = time.perf_counter()
            for i in range(n_max):
                self._d_update(i, self.alive if same_nc else self.alive & (self.n_critic > i))
            want = (self.step + 1) % self.cfg.log_every == 0
            norm = self._g_update(want)
            self.wall_time += time.perf_counter() - t0
            if want:
                self._flush(norm)
            if self.step in sample_set:
                self.snapshots[self.step] = self.samples()
        if self.step % self.cfg.log_every and bool(self._n_d.any()):  # last partial interval
            self._flush(None)
        return self

    @torch.no_grad()
    def samples(self):
        """G_k(fixed_z_k) for every member: (K, n_samples, d)."""
        return self.G(self.fixed_z)

    # -- training in worker processes (run_sweep(processes=...)) --------------------------
    _PER_MEMBER = ("alive", "diverged_step")

    def export(self) -> dict:
        """The trained state, per member along dim 0, picklable (for :meth:`absorb`)."""
        gens = [s.gen.get_state() for s in self.streams.streams]
        return {"G": self.G.flat.detach(), "D": self.D.flat.detach(),
                "opt": [[o.m, o.v, o.t, o.lr] for o in (self.opt_d, self.opt_g)],
                "rows": self.rows, "snapshots": self.snapshots, "last_d": self._last_d,
                "streams": [gens[s] for s in self.streams.member_streams()], "step": self.step,
                "wall_time": self.wall_time,
                **{name: getattr(self, name) for name in self._PER_MEMBER}}

    @torch.no_grad()
    def absorb(self, parts, members) -> None:
        """Take the state of ``parts`` (:meth:`export` of trainers that trained the members
        ``members[i]`` of this one, e.g. in worker processes) as this trainer's own: its
        members end as if trained here, and training may continue."""
        order = [k for ks in members for k in ks]
        if sorted(order) != list(range(self.K)):
            raise ValueError(f"members={members} must split range({self.K}) into parts")
        inverse = torch.empty(self.K, dtype=torch.long)
        inverse[torch.tensor(order)] = torch.arange(self.K)

        def cat(tensors):                                 # parts' rows -> member order
            return torch.cat(list(tensors)).index_select(0, inverse.to(tensors[0].device))

        self.G.flat.copy_(cat([p["G"] for p in parts]))
        self.D.flat.copy_(cat([p["D"] for p in parts]))
        for j, opt in enumerate((self.opt_d, self.opt_g)):
            opt.m, opt.v, opt.t, opt.lr = (cat([p["opt"][j][i] for p in parts]) for i in range(4))
        for name in self._PER_MEMBER:
            setattr(self, name, cat([p[name] for p in parts]))
        self._last_d = tuple(cat([p["last_d"][i] for p in parts]) for i in range(2))
        def merge_row(i):                                 # log row i of every part
            row = {}
            for field, value in parts[0]["rows"][i].items():
                values = [p["rows"][i][field] for p in parts]
                if torch.is_tensor(value):
                    row[field] = cat(values)
                elif field == "wall_time":                # the parts ran side by side
                    row[field] = max(values)
                else:                                     # step; grad_norm_g None
                    row[field] = value
            return row

        self.rows = [merge_row(i) for i in range(len(parts[0]["rows"]))]
        self.snapshots = {step: cat([p["snapshots"][step] for p in parts])
                          for step in parts[0]["snapshots"]}
        gens = [g for p in parts for g in p["streams"]]   # one per member, parts' order
        for k, s in enumerate(self.streams.member_streams()):  # each stream from a member of it
            self.streams.streams[s].gen.set_state(gens[int(inverse[k])])
        self.step = parts[0]["step"]
        self.wall_time = max(p["wall_time"] for p in parts)
        self._sum_d, self._n_d, self._sum_g = torch.zeros(3, self.K, device=self.device)
        self._last_flush = self.step
        self._take_snapshot()


def _train_members(job):
    """Worker: train the members of one share of a sweep; return their exported state."""
    torch.set_num_threads(1)
    trainer = StackedTrainer(job["Gs"], job["Ds"], job["data"], job["configs"])
    return trainer.run(job["steps"]).export()


def _take(t, rows):
    """Rows ``rows`` (a tensor of indices) of the member dimension of ``t``; None: all."""
    return t if rows is None or t is None else t.index_select(0, rows)


def run_sweep(dataset, base=None, grid=None, seeds=range(16), model=None, paired=False,
              steps=None, processes=None) -> "SweepResult":
    """Train every (setting of ``grid``) × (seed of ``seeds``) GAN in one vectorized run.

    ``dataset``: a name of :data:`ganlib.data.DATASETS`, a Distribution or a tensor (N, d).
    ``base``: the TrainConfig shared by all members; ``grid``: fields of :data:`SWEEP_KEYS`
    (``loss``, ``lr_d``, ``lr_g``, ``n_critic``, ``gp_weight``, ``clip_value``, ``r1_weight``,
    ``label_smoothing``) -> lists of values; members = grid product × ``seeds`` (seeds inner).
    ``model``: kwargs of :func:`ganlib.models.build_models`, or a callable ``seed -> (G, D)``
    (MLPs), called right after ``torch.manual_seed(seed)`` as for a single run. ``paired``:
    all members see the same batches (stream seeded with ``seeds[0]``). ``steps`` overrides
    ``base.steps``. ``processes``: worker processes sharing the members, one thread each
    (None: as :func:`ganlib.workers.count` decides; a member's numbers do not depend on it).
    Member k reproduces ``Trainer(G_k, D_k, dataset, config_k).run()`` to float rounding.
    Taught in chapter 4, Saturation, chapter 5, Wasserstein, chapter 8, Mode collapse. Example::

        run_sweep("ring", TrainConfig(steps=1000), grid={"loss": ["minimax", "nonsaturating"]},
                  seeds=range(16)).success_rate(by="loss")
    """
    base = TrainConfig() if base is None else base
    if not isinstance(base, TrainConfig):
        raise ValueError(f"base={type(base).__name__} must be a ganlib.train.TrainConfig")
    if steps is not None:
        base = dataclasses.replace(base, steps=steps)
    grid = dict(grid or {})
    allowed = ", ".join(repr(k) for k in SWEEP_KEYS if k != "seed")
    for key, values in grid.items():
        if key not in SWEEP_KEYS or key == "seed":
            raise ValueError(f"grid key {key!r} is not one of {allowed} (seeds go in `seeds`)")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not list(values):
            raise ValueError(f"grid[{key!r}]={values!r} must be a non-empty list of values")
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ValueError(f"seeds={seeds!r} must be a non-empty list of integers >= 0")
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                            and s >= 0 for s in seeds):
        raise ValueError(f"seeds={seeds!r} must be a non-empty list of integers >= 0")
    seeds = [int(s) for s in seeds]
    if not isinstance(paired, bool):
        raise ValueError(f"paired={paired!r} is not valid; allowed: True or False")
    model = {} if model is None else model
    if not (callable(model) or isinstance(model, dict)):
        raise ValueError(f"model={model!r} must be a dict of build_models arguments or a callable")
    data = get_dataset(dataset) if isinstance(dataset, str) else dataset
    if torch.is_tensor(data):  # as Trainer: float32, (N,) -> (N, 1)
        data = data.float()[:, None] if data.dim() == 1 else data.float()
        if len(data) == 0 or not bool(torch.isfinite(data).all()):
            raise ValueError(f"dataset: tensor of shape {tuple(data.shape)} with NaN/inf or no "
                             "rows; allowed: a non-empty tensor of finite values")
    keys = list(grid)
    combos = itertools.product(*(list(grid[k]) for k in keys))
    settings = [dict(zip(keys, combo)) for combo in combos]
    rows = [(setting, seed) for setting in settings for seed in seeds]
    configs = [dataclasses.replace(base, **setting, seed=seed) for setting, seed in rows]
    Gs, Ds = build_members(data, [s for _, s in rows], model)
    trainer = StackedTrainer(Gs, Ds, data, configs, paired)
    n = 1 if paired else _workers.count(processes, len(configs), base.device)
    if n == 1:
        trainer.run()
    else:  # member k to worker k % n: the settings (and their costs) spread evenly
        members = [list(range(i, len(configs), n)) for i in range(n)]
        jobs = [dict(Gs=[Gs[k] for k in ks], Ds=[Ds[k] for k in ks], data=data,
                     configs=[configs[k] for k in ks], steps=base.steps) for ks in members]
        trainer.absorb(_workers.map(_train_members, jobs, n), members)
    return SweepResult(trainer, data, [dict(setting, seed=seed) for setting, seed in rows], keys)
