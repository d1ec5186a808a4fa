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
from typing import Sequence

import torch
from torch import nn

from . import losses as _losses
from .draws import Stream
from .models import build_models
from .losses import interpolation_eps

__all__ = ["StackedMLP", "StackedOptimizer", "RandomStreams", "stacked_gradient_penalty",
           "stacked_r1_penalty", "MemberLosses", "build_members", "STACKABLE", "OPTIMIZERS"]

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
        if out.shape != singles.shape or not torch.allclose(out, singles, rtol=1e-4, atol=1e-5,
                                                                 equal_nan=True):
            raise NotImplementedError(
                f"{type(members[0]).__name__}'s forward is not a plain stack of its "
                "nn.Linear and activation modules; it cannot be stacked")

    def views(self, flat: torch.Tensor | None = None) -> list:
        """Per-layer views of ``flat``: [W (K, in, out), b (K, 1, out) | None, ...].

        Asking autograd for the gradients of these views (then ``torch.cat``) is cheaper
        than for ``flat`` itself, whose slice backward fills a (K, P) zero tensor per layer.
        """
        p = self.flat if flat is None else flat  # (K, P)
        out = []
        for op in self.ops:
            if op[0] == "linear":
                _, n_in, n_out, w_off, b_off = op
                out.append(p[:, w_off:w_off + n_in * n_out].view(self.K, n_in, n_out))
                out.append(None if b_off is None else p[:, b_off:b_off + n_out].unsqueeze(1))
        return out

    @staticmethod
    def flat_grad(grads) -> torch.Tensor:
        """Gradients of :meth:`views` -> one (K, P) tensor in the layout of ``flat``."""
        return torch.cat([g.reshape(g.shape[0], -1) for g in grads if g is not None], dim=1)

    def forward(self, x: torch.Tensor, views: list | None = None) -> torch.Tensor:
        """x: (K, B, in_dim) -> (K, B, out_dim), or (K, B) for logits."""
        it = iter(self.views() if views is None else views)
        h = x
        for op in self.ops:
            if op[0] == "fn":
                h = op[1](h)
                continue
            W, b = next(it), next(it)  # (K, in, out), (K, 1, out)
            h = torch.bmm(h, W) if b is None else torch.baddbmm(b, h, W)  # (K, B, out)
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


class StackedOptimizer:
    """Adam / RMSprop / SGD on a (K, P) parameter with per-member learning rates.

    Matches ``torch.optim.Adam(betas=betas, eps=eps)``, ``torch.optim.RMSprop(alpha=alpha,
    eps=eps)`` and ``torch.optim.SGD(momentum=momentum)`` bit for bit (their single-tensor
    code, no weight decay). Adam's update, with t counted per member (Kingma & Ba 2015)::

        m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
        θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + eps)

    ``step(grad, mask)``: grad (K, P); members with ``mask[k] = False`` are left untouched
    (parameters and state), which freezes diverged members. Taught in chapter 7, Practice
    (optimizer choices); used by sweeps in chapters 4 and 5, and by the hand-written
    loop of chapter 8 (Mode collapse).
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
        if not bool((torch.isfinite(lr) & (lr > 0)).all()):
            raise ValueError(f"lr={lr.tolist()} is not valid; allowed: finite numbers > 0")
        self.lr = lr.reshape(K, 1).clone()  # (K, 1) float64, as Python floats in torch.optim
        self.lr0 = self.lr.clone()  # initial rates (for schedules)
        self.t = torch.zeros(K, 1, dtype=torch.float64, device=param.device)  # steps per member
        self.m = torch.zeros_like(param, memory_format=torch.contiguous_format).detach()
        self.v = torch.zeros_like(self.m)

    def set_lr(self, lr) -> None:
        """Replace the per-member learning rates (scalar or (K,))."""
        lr = torch.as_tensor(lr, dtype=torch.float64, device=self.lr.device).reshape(-1, 1)
        self.lr = lr.expand_as(self.lr).clone()

    @torch.no_grad()
    def step(self, grad: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        """Update the members where ``mask`` (K,) with gradient ``grad`` (K, P)."""
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
        p.copy_(new_p if all_on else torch.where(keep, new_p, p))

    def state(self) -> list:
        return [self.param.detach().clone(), self.m.clone(), self.v.clone(), self.t.clone()]

    @torch.no_grad()
    def restore(self, state, rows: torch.Tensor) -> None:
        """Put back ``state`` (from ``state()``) for the members where ``rows`` (K,)."""
        r = rows.reshape(-1, 1)
        self.param.copy_(torch.where(r, state[0], self.param))
        self.m, self.v, self.t = (torch.where(r, old, new) for old, new in
                                  zip(state[1:], (self.m, self.v, self.t)))


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


STACKABLE = _losses.STACKABLE  # derived from losses.LossSpec.stackable


class MemberLosses:
    """The losses of :mod:`ganlib.losses` per member: logits (K, B) -> losses (K,).

    ``specs[k] = (loss name, label_smoothing)``. The loss functions themselves take the
    (K, B) logits of a group of members inside :func:`ganlib.losses.per_member` (a mean over
    the batch per row), so the formulas live in losses.py only; members with different
    losses are computed group by group.
    """

    def __init__(self, specs, device):
        groups = {}
        for k, spec in enumerate(specs):
            groups.setdefault(tuple(spec), []).append(k)
        self.K, self.groups = len(specs), []
        for (name, smoothing), ks in groups.items():
            d_fn, g_fn, _ = spec = _losses.get_loss(name)
            if spec.labels:  # one-sided label smoothing, as Trainer._labels
                d_fn = lambda r, f, d=d_fn, s=_losses.smooth_labels(1.0, smoothing): d(r, f, s, 0.0)  # noqa: E731
            self.groups.append((torch.tensor(ks, device=device), d_fn, g_fn))
        self.order = torch.cat([g[0] for g in self.groups])

    def _apply(self, which, logits):
        with _losses.per_member():
            if len(self.groups) == 1:
                return self.groups[0][which](*logits)
            parts = [g[which](*(t.index_select(0, g[0]) for t in logits)) for g in self.groups]
        out = torch.empty(self.K, dtype=parts[0].dtype, device=parts[0].device)
        return out.index_copy(0, self.order, torch.cat(parts))

    def d_loss(self, real_logits, fake_logits):
        """(K, B), (K, B) -> (K,) D losses (without penalties)."""
        return self._apply(1, (real_logits, fake_logits))

    def g_loss(self, fake_logits):
        """(K, B) -> (K,) G losses."""
        return self._apply(2, (fake_logits,))


class RandomStreams:
    """The Trainer's random stream for every member, shared where members coincide.

    ``keys[k] = (seed, n_critic, draws_eps)`` of member k; ``data``: one dataset, or a list
    of K datasets of one shape (member k trains on ``data[k]``). One
    :class:`ganlib.draws.Stream` per distinct (dataset, key) draws, in the order that class
    defines (the Trainer's), per D step
    ``x_real`` and ``z`` (:meth:`~ganlib.draws.Stream.d_step`), then the ε of
    ``losses.gradient_penalty`` when ``draws_eps``; per G step ``z``. Label noise, instance
    noise and simultaneous updates are not stackable (their knobs say ``sweep="default"``).
    Draws come back stacked per member: (K, B, ...).
    """

    def __init__(self, data, keys, batch_size, latent_dim, prior, device):
        datas = list(data) if isinstance(data, (list, tuple)) else [data] * len(keys)
        # one stream per distinct (dataset, seed, n_critic, draws_eps); a dataset is told
        # apart by identity (its first position in datas)
        first = [next(i for i, d in enumerate(datas) if d is data_k) for data_k in datas]
        keys = [(i, *key) for i, key in zip(first, keys)]
        uniq = list(dict.fromkeys(keys))
        self.streams = [Stream(datas[i], batch_size, latent_dim, prior, seed, device)
                        for i, seed, _, _ in uniq]
        self.n_critic = [n_critic for _, _, n_critic, _ in uniq]
        self.gp = [draws_eps for _, _, _, draws_eps in uniq]
        idx = [uniq.index(k) for k in keys]
        self.idx = None if idx == list(range(len(keys))) else torch.tensor(idx, device=device)
        self.data, self.B, self.device = data, batch_size, device
        probe = Stream(datas[0], batch_size, latent_dim, prior, 0, device)
        self.prior = probe.prior                        # (n, latent_dim) given a generator
        x0, z0 = probe.d_step()
        self._x0, self._z0 = torch.zeros_like(x0), torch.zeros_like(z0)  # placeholders of idle
        self._e0 = torch.zeros_like(interpolation_eps(x0))   # streams (members not stepping)

    def member_streams(self) -> list:
        """Member k draws from ``streams[member_streams()[k]]``."""
        return self.idx.tolist() if self.idx is not None else list(range(len(self.streams)))

    def gather(self, parts):
        """One tensor per stream -> (K, ...) per member."""
        out = torch.stack(parts)
        return out if self.idx is None else out.index_select(0, self.idx)

    def draw_d(self, i):
        """D step i of a round: x_real (K, B, d), z (K, B, latent), eps (K, B, 1) or None."""
        xs, zs, es = [], [], []
        for s, stream in enumerate(self.streams):
            if i >= self.n_critic[s]:
                xs.append(self._x0), zs.append(self._z0), es.append(self._e0)
                continue
            x_real, z = stream.d_step()
            xs.append(x_real), zs.append(z)
            es.append(stream.interpolation_eps(x_real) if self.gp[s] else self._e0)
        return self.gather(xs), self.gather(zs), self.gather(es) if any(self.gp) else None

    def draw_g(self):
        """z (K, B, latent) of a G step."""
        return self.gather([stream.g_step() for stream in self.streams])


def build_members(data, seeds, model):
    """(Gs, Ds): member k built as a single run would be: seed, then construct."""
    Gs, Ds = [], []
    for seed in seeds:
        with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
            torch.manual_seed(int(seed))
            G, D = model(int(seed)) if callable(model) else build_models(data, **model)
        Gs.append(G)
        Ds.append(D)
    return Gs, Ds
