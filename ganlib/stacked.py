"""Stacked MLPs and optimizers: K independent small networks trained as one.

The engine behind :func:`ganlib.sweep.run_sweep` (issue 7; used by chapter 4, Saturation,
and chapter 5, Wasserstein, to turn "one run proves little" into "16/16 seeds").

Member k's parameters live in row k of one flat buffer ``flat`` of shape (K, P). A linear
layer ``y = x Wᵀ + b`` of every member at once is one batched matmul::

    h: (K, B, in)  ->  torch.baddbmm(b, h, W): (K, B, out),   W = Wᵀ_k stacked: (K, in, out)

Because members never share a parameter, the gradient of ``Σ_k loss_k`` with respect to row
k of ``flat`` is exactly the gradient of ``loss_k`` alone: one backward pass serves K
independent training runs. :class:`StackedOptimizer` re-implements ``torch.optim.Adam``,
``RMSprop`` and ``SGD`` (their default, single-tensor arithmetic, in the same order) with a
per-member learning rate (K,) and a per-member ``mask`` that freezes members (diverged ones).
"""
from __future__ import annotations

import copy
import dataclasses
import math
import time
from typing import Sequence

import torch
from torch import nn

from . import losses as _losses

__all__ = ["StackedMLP", "StackedOptimizer", "OPTIMIZERS"]

# Element-wise modules that act the same on (B, h) and (K, B, h).
_ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.ELU, nn.Sigmoid, nn.Identity, nn.GELU,
                nn.SiLU, nn.Softplus)
OPTIMIZERS = ("adam", "rmsprop", "sgd")


def _plan(module: nn.Module):
    """Leaf modules of ``module`` in registration order: ("linear", Linear) or ("fn", act)."""
    ops = []
    for leaf in module.modules():
        if any(True for _ in leaf.children()):
            continue
        if isinstance(leaf, nn.Linear):
            if hasattr(leaf, "parametrizations") or hasattr(leaf, "weight_orig"):
                raise NotImplementedError("spectral_norm / parametrized layers cannot be stacked")
            ops.append(("linear", leaf))
        elif isinstance(leaf, _ELEMENTWISE):
            ops.append(("fn", leaf))
        else:
            raise NotImplementedError(
                f"cannot stack a {type(leaf).__name__} layer; stacked models are MLPs made of "
                "nn.Linear and element-wise activations")
    if not ops or ops[0][0] != "linear":
        raise NotImplementedError("a stacked model must start with an nn.Linear layer")
    return ops


class StackedMLP:
    """K copies of one MLP architecture with independent weights, run with batched matmuls.

    ``members``: K ``nn.Module`` of identical architecture (e.g. ``MLPGenerator``), each a
    plain stack of ``nn.Linear`` and element-wise activations; their current weights are
    copied in (member k's row holds ``Wᵀ`` of each layer, then its bias). The stacked
    forward is checked against each member's own forward at construction.

    ``forward(x)``: x (K, B, in_dim) -> (K, B, out_dim), or (K, B) when the members return
    (B,) (logits of a discriminator). ``flat`` (K, P) is the only trainable tensor.
    """

    def __init__(self, members: Sequence[nn.Module]):
        if len(members) == 0:
            raise ValueError("members is empty; need at least one module")
        self.template = copy.deepcopy(members[0])
        ops = _plan(members[0])
        self.K = len(members)
        self.ops, offset = [], 0  # ("linear", in, out, w_offset, b_offset | None) | ("fn", m)
        for kind, leaf in ops:
            if kind == "fn":
                self.ops.append(("fn", leaf))
                continue
            n_in, n_out = leaf.in_features, leaf.out_features
            w_off, offset = offset, offset + n_in * n_out
            b_off = None
            if leaf.bias is not None:
                b_off, offset = offset, offset + n_out
            self.ops.append(("linear", n_in, n_out, w_off, b_off))
        self.n_params = offset
        self.in_dim = self.ops[0][1]
        p0 = next(members[0].parameters())
        flat = torch.empty(self.K, offset, dtype=p0.dtype, device=p0.device)  # (K, P)
        for k, member in enumerate(members):
            mops = _plan(member)
            if len(mops) != len(ops):
                raise ValueError(f"members[{k}] has a different architecture from members[0]")
            lin = [leaf for kind, leaf in mops if kind == "linear"]
            spec = [op for op in self.ops if op[0] == "linear"]
            for leaf, (_, n_in, n_out, w_off, b_off) in zip(lin, spec):
                if (leaf.in_features, leaf.out_features) != (n_in, n_out):
                    raise ValueError(f"members[{k}] has a different architecture from members[0]")
                flat[k, w_off:w_off + n_in * n_out] = leaf.weight.detach().t().reshape(-1)
                if b_off is not None:
                    flat[k, b_off:b_off + n_out] = leaf.bias.detach()
        self.flat = flat.requires_grad_(True)
        self._check(members)

    @torch.no_grad()
    def _check(self, members):
        """Stacked forward == each member's forward (else the module is not a plain MLP)."""
        x = torch.randn(self.K, 3, self.in_dim, generator=torch.Generator().manual_seed(0))
        x = x.to(self.flat.device, self.flat.dtype)  # (K, 3, in)
        singles = torch.stack([m(x[k]) for k, m in enumerate(members)])  # (K, 3, ...)
        self.squeeze = singles.dim() == 2  # members return (B,): logits
        out = self.forward(x)
        if out.shape != singles.shape or not torch.allclose(out, singles, rtol=1e-4, atol=1e-5):
            raise NotImplementedError(
                f"{type(members[0]).__name__}'s forward is not a plain stack of its "
                "nn.Linear and activation modules; it cannot be stacked")

    def forward(self, x: torch.Tensor, flat: torch.Tensor | None = None) -> torch.Tensor:
        """x: (K, B, in_dim) -> (K, B, out_dim), or (K, B) for logits."""
        p = self.flat if flat is None else flat  # (K, P)
        h = x
        for op in self.ops:
            if op[0] == "fn":
                h = op[1](h)
                continue
            _, n_in, n_out, w_off, b_off = op
            W = p[:, w_off:w_off + n_in * n_out].view(self.K, n_in, n_out)  # (K, in, out)
            if b_off is None:
                h = torch.bmm(h, W)
            else:
                h = torch.baddbmm(p[:, b_off:b_off + n_out].unsqueeze(1), h, W)  # (K, B, out)
        return h.squeeze(-1) if self.squeeze else h

    __call__ = forward

    def member(self, k: int) -> nn.Module:
        """A fresh copy of the template module holding member k's current weights."""
        module = copy.deepcopy(self.template)
        lin = [leaf for kind, leaf in _plan(module) if kind == "linear"]
        spec = [op for op in self.ops if op[0] == "linear"]
        with torch.no_grad():
            row = self.flat[k].detach()
            for leaf, (_, n_in, n_out, w_off, b_off) in zip(lin, spec):
                leaf.weight.copy_(row[w_off:w_off + n_in * n_out].view(n_in, n_out).t())
                if b_off is not None:
                    leaf.bias.copy_(row[b_off:b_off + n_out])
        return module

    def weight_mask(self) -> torch.Tensor:
        """(P,) bool: True on weight entries, False on biases."""
        mask = torch.zeros(self.n_params, dtype=torch.bool, device=self.flat.device)
        for op in self.ops:
            if op[0] == "linear":
                mask[op[3]:op[3] + op[1] * op[2]] = True
        return mask


class StackedOptimizer:
    """Adam / RMSprop / SGD on a (K, P) parameter with per-member learning rates.

    Matches ``torch.optim.Adam(betas=betas, eps=eps)``, ``torch.optim.RMSprop(alpha=alpha,
    eps=eps)`` and ``torch.optim.SGD`` step for step (single-tensor implementation, no
    weight decay, no momentum). Adam's update, with t counted per member (Kingma & Ba 2015)::

        m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
        θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + eps)

    ``step(grad, mask)``: grad (K, P); members with ``mask[k] = False`` are left untouched
    (parameters and state), which freezes diverged members. Taught in chapter 7, Practice
    (optimizer choices); used by sweeps in chapters 4 and 5.
    """

    def __init__(self, param: torch.Tensor, kind: str, lr, betas=(0.9, 0.999),
                 eps: float = 1e-8, alpha: float = 0.99, momentum: float = 0.0):
        if kind not in OPTIMIZERS:
            raise ValueError(f"optimizer={kind!r} is not one of {', '.join(map(repr, OPTIMIZERS))}")
        self.param, self.kind, self.momentum = param, kind, float(momentum)
        self.betas, self.eps, self.alpha = tuple(float(b) for b in betas), float(eps), float(alpha)
        K = param.shape[0]
        lr = torch.as_tensor(lr, dtype=torch.float64, device=param.device).reshape(-1)
        if lr.numel() == 1:
            lr = lr.expand(K)
        if lr.shape != (K,):
            raise ValueError(f"lr has {lr.numel()} entries; expected 1 or K={K}")
        self.lr = lr.reshape(K, 1).clone()  # (K, 1) float64, as Python floats in torch.optim
        self.t = torch.zeros(K, 1, dtype=torch.float64, device=param.device)  # steps per member
        self.m = torch.zeros_like(param, memory_format=torch.contiguous_format).detach()
        self.v = torch.zeros_like(self.m)

    def set_lr(self, lr) -> None:
        """Replace the per-member learning rates (scalar or (K,))."""
        lr = torch.as_tensor(lr, dtype=torch.float64, device=self.lr.device).reshape(-1, 1)
        self.lr = lr.expand_as(self.lr).clone()

    @torch.no_grad()
    def step(self, grad: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Update members where ``mask`` (K,) with gradient ``grad`` (K, P).

        An update that would make a member's parameters NaN/inf is not applied; returns the
        (K,) bool mask of those rejected members (the caller marks them diverged).
        """
        p, dt = self.param, self.param.dtype
        if mask is None:
            mask = torch.ones(p.shape[0], dtype=torch.bool, device=p.device)
        all_on = bool(mask.all())
        keep = mask.reshape(-1, 1)  # (K, 1)
        lr = self.lr.to(dt)
        # Same primitives and operand order as torch.optim's single-tensor code, so the
        # rounding matches: addcmul(v, g, g, value=c) = v + (c·g)·g, addcdiv = p + (c·m)/d.
        if self.kind == "sgd":
            # torch: p.add_(g, alpha=-lr) is a fused multiply-add; one call per member matches it
            if self.momentum:  # torch: buf = g (first step), then buf·momentum + g
                buf = (self.m * self.momentum).add_(grad)
                self.m = buf if all_on else torch.where(keep, buf, self.m)
                grad = buf
            lrs = self.lr.reshape(-1).tolist()
            new_p = torch.stack([p[k].add(grad[k], alpha=-lrs[k]) for k in range(len(lrs))])
        elif self.kind == "rmsprop":
            v = (self.v * self.alpha).addcmul_(grad, grad, value=1 - self.alpha)  # square_avg
            avg = v.sqrt().add_(self.eps)
            new_p = p - (lr * grad) / avg
            self.v = v if all_on else torch.where(keep, v, self.v)
        else:
            b1, b2 = self.betas
            t = self.t + 1 if all_on else self.t + keep.to(self.t.dtype)
            m = self.m.lerp(grad, 1 - b1)
            v = (self.v * b2).addcmul_(grad, grad, value=1 - b2)
            step_size = (self.lr / (1 - b1 ** t)).to(dt)  # (K, 1): lr / bias_correction1
            if bool((t == t[0]).all()):  # common case: a Python scalar, as torch.optim does
                bc2_sqrt = (1 - b2 ** float(t[0])) ** 0.5
            else:
                bc2_sqrt = (1 - b2 ** t).sqrt().to(dt)
            denom = (v.sqrt() / bc2_sqrt).add_(self.eps)
            new_p = p - (step_size * m) / denom
            self.t = t
            self.m = m if all_on else torch.where(keep, m, self.m)
            self.v = v if all_on else torch.where(keep, v, self.v)
        ok = torch.isfinite(new_p).all(dim=1)  # (K,)
        if all_on and bool(ok.all()):
            p.copy_(new_p)
        else:
            p.copy_(torch.where(keep & ok[:, None], new_p, p))
        return mask & ~ok


# --------------------------------------------------------------------------- training loop
SWEEP_KEYS = ("loss", "lr_d", "lr_g", "n_critic", "gp_weight", "clip_value", "r1_weight",
              "label_smoothing", "seed")  # TrainConfig fields that may differ between members
_BCE = ("minimax", "nonsaturating")  # train.LABEL_LOSSES without dragan (not stackable)
_STACKABLE = ("minimax", "nonsaturating", "wgan", "wgan-gp", "lsgan", "hinge")


def stacked_gradient_penalty(D, x_real, x_fake, eps):
    """losses.gradient_penalty per member: E_b (‖∇D_k(x̂)‖₂ − 1)² -> (K,) (unweighted).

    Same formula and ops as ``losses._grad_norm_penalty``, reduced over the batch only;
    x_real, x_fake: (K, B, d), eps: (K, B, 1) ~ U[0, 1] drawn from each member's stream.
    Members are independent, so autograd of the summed scores gives each member's ∇.
    """
    x_hat = (eps * x_real.detach() + (1 - eps) * x_fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)  # (K, B, d)
    norm = torch.sqrt(grad.pow(2).sum(-1) + 1e-12)  # (K, B)
    return ((norm - 1) ** 2).mean(-1)


def stacked_r1_penalty(D, x_real):
    """losses.r1_penalty per member: ½ E_b ‖∇D_k(x_real)‖² -> (K,) (without γ)."""
    x = x_real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)  # (K, B, d)
    return 0.5 * grad.pow(2).sum(-1).mean(-1)


def _per_member(fn, *args):
    """fn's batch-mean loss computed per member: args (K, B) -> (K,).

    ``fn`` is a loss of :mod:`ganlib.losses` (a mean over the batch); ``torch.func.vmap``
    maps it over the member dimension, so the formulas live in losses.py only.
    """
    return torch.func.vmap(fn)(*args)


class StackedTrainer:
    """Trains K independent (G_k, D_k) pairs exactly as K :class:`ganlib.train.Trainer` runs.

    ``Gs``, ``Ds``: K initialised MLP generators and discriminators; ``configs``: K
    :class:`~ganlib.train.TrainConfig` that may differ only in :data:`SWEEP_KEYS`. Member k
    draws its batches from its own ``torch.Generator(seed_k)`` in the Trainer's documented
    order (per D step x_real, z, then the ε of wgan-gp; per G step z); members whose streams
    coincide (same seed, ``n_critic`` and loss family) share one draw. ``paired=True`` gives
    every member the same batches (one stream seeded with ``configs[0].seed``).
    """

    def __init__(self, Gs, Ds, data, configs, paired=False):
        from . import device as _device
        self.K, cfg = len(configs), configs[0]
        shared = [f.name for f in dataclasses.fields(cfg) if f.name not in SWEEP_KEYS]
        for c in configs:
            for name in shared:
                if getattr(c, name) != getattr(cfg, name):
                    raise ValueError(f"{name}={getattr(c, name)!r} differs between members; only "
                                     f"{', '.join(SWEEP_KEYS)} may vary in a sweep")
            if c.loss not in _STACKABLE:
                raise ValueError(f"loss={c.loss!r} is not one of {', '.join(map(repr, _STACKABLE))}"
                                 " (the losses a sweep can stack)")
        for name in ("label_noise", "instance_noise", "simultaneous"):
            if getattr(cfg, name):
                raise ValueError(f"{name}={getattr(cfg, name)!r} is not supported by sweeps; use 0/False")
        self.configs, self.cfg, self.paired = configs, cfg, paired
        self.device = _device(cfg.device)
        self.data = data.to(self.device) if torch.is_tensor(data) else data
        self.latent_dim = Gs[0].latent_dim
        self.G = StackedMLP([G.to(self.device) for G in Gs])
        self.D = StackedMLP([D.to(self.device) for D in Ds])
        col = lambda name, dt=torch.float32: torch.tensor(  # noqa: E731  (K, 1) per-member column
            [float(getattr(c, name) or 0.0) for c in configs], dtype=dt, device=self.device)[:, None]
        betas_d, betas_g = cfg.betas_d or cfg.betas, cfg.betas_g or cfg.betas
        self.opt_d = StackedOptimizer(self.D.flat, cfg.optimizer, col("lr_d", torch.float64),
                                      betas_d, momentum=betas_d[0])  # Trainer: SGD momentum = b1
        self.opt_g = StackedOptimizer(self.G.flat, cfg.optimizer, col("lr_g", torch.float64),
                                      betas_g, momentum=betas_g[0])
        self.gp_weight, self.r1_weight = col("gp_weight").squeeze(1), col("r1_weight").squeeze(1)
        self.gp_weight = torch.where(torch.tensor([c.loss == "wgan-gp" for c in configs],
                                                  device=self.device), self.gp_weight, 0.0)
        clip = [c.clip_value for c in configs]
        self.clip = None if all(c is None for c in clip) else torch.tensor(
            [c if c is not None else float("inf") for c in clip], device=self.device)[:, None]
        self.n_critic = torch.tensor([c.n_critic for c in configs], device=self.device)
        self.bce = torch.tensor([c.loss in _BCE for c in configs], device=self.device)
        # loss groups: members sharing (loss, label_smoothing) share the loss functions
        self.loss_groups = {}
        for k, c in enumerate(configs):
            self.loss_groups.setdefault((c.loss, c.label_smoothing), []).append(k)
        self.loss_groups = [(key, torch.tensor(ks, device=self.device), _losses.get_loss(key[0]))
                            for key, ks in self.loss_groups.items()]
        # random streams: one per distinct (seed, n_critic, draws eps) unless paired
        keys = [(cfg.seed if paired else c.seed, 0 if paired else c.n_critic,
                 False if paired else c.loss == "wgan-gp") for c in configs]
        uniq = list(dict.fromkeys(keys))
        self.streams = []
        for seed, _, _ in uniq:
            gen = torch.Generator(device=self.device)
            gen.manual_seed(int(seed))
            self.streams.append(gen)
        self.stream_nc = [max(c.n_critic for c, k in zip(configs, keys) if k == u) for u in uniq]
        self.stream_gp = [any(c.loss == "wgan-gp" for c, k in zip(configs, keys) if k == u)
                          for u in uniq]
        idx = [uniq.index(k) for k in keys]
        self.stream_idx = None if idx == list(range(self.K)) else torch.tensor(idx, device=self.device)
        self.alive = torch.ones(self.K, dtype=torch.bool, device=self.device)
        self.diverged_step = torch.full((self.K,), -1, dtype=torch.long, device=self.device)
        self.step, self.rows, self.wall_time = 0, [], 0.0
        self._sum_d = torch.zeros(self.K, device=self.device)
        self._n_d = torch.zeros(self.K, device=self.device)
        self._sum_g = torch.zeros(self.K, device=self.device)
        self.fixed_z = torch.stack([self._prior(cfg.n_samples, torch.Generator(
            device=self.device).manual_seed(int(c.seed))) for c in configs])  # (K, n, latent)
        self.snapshots = {}
        B = cfg.batch_size
        self._zeros_x = torch.zeros_like(self._real(B, torch.Generator(self.device).manual_seed(0)))
        self._zeros_z = torch.zeros(B, self.latent_dim, device=self.device)
        self._zeros_b1 = torch.zeros(B, 1, device=self.device)

    # -------------------------------------------------------------- random draws
    def _prior(self, n, gen):
        """Trainer._prior: (n, latent_dim) from N(0, I) or U[-1, 1]."""
        z = torch.empty(n, self.latent_dim, device=self.device)
        if self.cfg.prior == "gaussian":
            return z.normal_(generator=gen)
        return z.uniform_(-1.0, 1.0, generator=gen)

    def _real(self, n, gen):
        if torch.is_tensor(self.data):  # Trainer._sample_real on a tensor dataset
            return self.data[torch.randint(self.data.shape[0], (n,), generator=gen, device=self.device)]
        return self.data.sample(n, generator=gen, device=self.device)

    def _gather(self, parts):
        """One tensor per stream -> (K, ...) per member."""
        out = torch.stack(parts)
        return out if self.stream_idx is None else out.index_select(0, self.stream_idx)

    def _draw_d(self, i):
        """D step i of the round: x_real (K, B, d), z (K, B, latent), eps (K, B, 1) or None."""
        B, xs, zs, es = self.cfg.batch_size, [], [], []
        for s, gen in enumerate(self.streams):
            if i >= self.stream_nc[s]:  # this stream's members are idle: placeholders
                xs.append(self._zeros_x)
                zs.append(self._zeros_z)
                es.append(self._zeros_b1)
                continue
            xs.append(self._real(B, gen))
            zs.append(self._prior(B, gen))
            if self.stream_gp[s]:  # losses.gradient_penalty's ε: (B, 1) ~ U[0, 1]
                es.append(torch.rand((B, 1), generator=gen, device=self.device))
            else:
                es.append(self._zeros_b1)
        eps = self._gather(es) if any(self.stream_gp) else None
        return self._gather(xs), self._gather(zs), eps

    # -------------------------------------------------------------- updates
    def _per_member_loss(self, which, *logits):
        """Loss of each member (K,) from its group's loss function; which = 0 (D) or 1 (G)."""
        parts = []
        for (name, smoothing), ks, fns in self.loss_groups:
            args = logits if len(self.loss_groups) == 1 else [t.index_select(0, ks) for t in logits]
            fn = fns[which]
            if which == 0 and name in _BCE:
                fn = lambda r, f, fn=fn, s=smoothing: fns[0](r, f, 1.0 - s, 0.0)  # noqa: E731
            parts.append(_per_member(fn, *args))
        if len(parts) == 1:
            return parts[0]
        out = torch.empty(self.K, device=self.device, dtype=parts[0].dtype)
        return out.index_copy(0, torch.cat([ks for _, ks, _ in self.loss_groups]), torch.cat(parts))

    def _kill(self, bad):
        """Freeze members with bad (K,) True from now on, recording the step."""
        new = bad & self.alive
        self.diverged_step = torch.where(new, self.step + 1, self.diverged_step)
        self.alive = self.alive & ~bad

    def _d_update(self, i, active):
        x_real, z, eps = self._draw_d(i)
        with torch.no_grad():
            x_fake = self.G(z)  # (K, B, d)
        real_logits, fake_logits = self.D(x_real), self.D(x_fake)  # (K, B), (K, B)
        loss = self._per_member_loss(0, real_logits, fake_logits)  # (K,)
        if eps is not None:
            loss = loss + self.gp_weight * stacked_gradient_penalty(self.D, x_real, x_fake, eps)
        if bool(self.r1_weight.any()):
            loss = loss + self.r1_weight * stacked_r1_penalty(self.D, x_real)
        self._kill(active & ~torch.isfinite(loss))
        active = active & self.alive
        grad, = torch.autograd.grad(torch.where(active, loss, 0.0).sum(), self.D.flat)
        self._kill(self.opt_d.step(grad, active))
        if self.clip is not None:
            with torch.no_grad():
                self.D.flat.copy_(torch.clamp(self.D.flat, -self.clip, self.clip))
        self._sum_d += torch.where(active, loss.detach(), 0.0)
        self._n_d += active
        self._last_d = (real_logits.detach(), fake_logits.detach())

    def _g_update(self, want_norm):
        z = self._gather([self._prior(self.cfg.batch_size, gen) for gen in self.streams])
        loss = self._per_member_loss(1, self.D(self.G(z)))  # (K,)
        self._kill(~torch.isfinite(loss))
        grad, = torch.autograd.grad(torch.where(self.alive, loss, 0.0).sum(), self.G.flat)
        self._kill(self.opt_g.step(grad, self.alive.clone()))
        self._sum_g += torch.where(self.alive, loss.detach(), 0.0)
        self.step += 1
        return grad.norm(dim=1) if want_norm else None

    def _log(self, grad_norm):
        real, fake = self._last_d  # (K, B)
        raw_r, raw_f = real.mean(1), fake.mean(1)
        self.rows.append(dict(
            step=self.step, loss_d=self._sum_d / self._n_d.clamp(min=1),
            loss_g=self._sum_g / self.cfg.log_every,
            d_real=torch.where(self.bce, torch.sigmoid(real).mean(1), raw_r),
            d_fake=torch.where(self.bce, torch.sigmoid(fake).mean(1), raw_f),
            grad_norm_g=grad_norm, wasserstein=raw_r - raw_f, wall_time=self.wall_time))
        self._sum_d, self._n_d, self._sum_g = (torch.zeros_like(t) for t in
                                                (self._sum_d, self._n_d, self._sum_g))

    def run(self, steps=None):
        """Train ``steps`` rounds (default ``config.steps``): n_critic D steps, one G step."""
        steps = self.cfg.steps if steps is None else steps
        n_max, same_nc = int(self.n_critic.max()), bool((self.n_critic == self.n_critic[0]).all())
        sample_set = set(self.cfg.sample_steps)
        for _ in range(steps):
            t0 = time.perf_counter()
            for i in range(n_max):
                self._d_update(i, self.alive if same_nc else self.alive & (self.n_critic > i))
            want = (self.step + 1) % self.cfg.log_every == 0
            norm = self._g_update(want)
            self.wall_time += time.perf_counter() - t0
            if want:
                self._log(norm)
            if self.step in sample_set:
                self.snapshots[self.step] = self.samples()
        return self

    @torch.no_grad()
    def samples(self):
        """G_k(fixed_z_k) for every member: (K, n_samples, d)."""
        return self.G(self.fixed_z)
