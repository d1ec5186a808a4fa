"""Keep the last finite training state for :class:`~ganlib.train.TrainingDiverged` (chapter 7).

Every ``log_every`` steps the trainer copies both players, both optimizers' state, its random
stream, its step and the history length in place (no new allocations after the first call); a
NaN/inf loss restores that copy, so a diverged run can be resumed with other settings.
"""
from __future__ import annotations

import torch

__all__ = ["take_snapshot", "restore_snapshot"]


def _state_tensors(trainer):
    return ([t for m in (trainer.G, trainer.D) for t in (*m.parameters(), *m.buffers())],
            [(o, p, k, v) for o in (trainer.opt_d, trainer.opt_g) for p, st in o.state.items()
             for k, v in st.items()])


@torch.no_grad()
def take_snapshot(trainer) -> bool:
    """Copy a :class:`~ganlib.train.Trainer`'s G, D, optimizers, random stream and step into
    ``trainer._snap`` (in-place copies); False, copying nothing, if a weight is NaN/inf."""
    model, opt = _state_tensors(trainer)
    norms = torch.stack([t.float().norm() for t in model if t.is_floating_point()])
    if trainer._snap is not None and not bool(torch.isfinite(norms).all()):
        return False
    key = [(id(p), k) for o, p, k, v in opt]
    snap = trainer._snap
    if snap is None or snap["key"] != key:
        snap = trainer._snap = {"key": key, "model": [t.clone() for t in model],
                                "opt": [v.clone() if torch.is_tensor(v) else v for *_, v in opt]}
    else:
        _copy(snap["model"], model)
        pairs = [(s, v) for s, (*_, v) in zip(snap["opt"], opt) if torch.is_tensor(v)]
        _copy([s for s, _ in pairs], [v for _, v in pairs])
    snap.update(step=trainer._step, rng=trainer.gen.get_state(), n_hist=len(trainer.history),
                ref=opt)
    return True


@torch.no_grad()
def restore_snapshot(trainer):
    """Put ``trainer._snap`` back: players, optimizer state, step, random stream, history."""
    snap = trainer._snap
    model, _ = _state_tensors(trainer)
    _copy(model, snap["model"])
    for o in (trainer.opt_d, trainer.opt_g):
        o.state.clear()
    for (o, p, k, _), v in zip(snap["ref"], snap["opt"]):
        o.state[p][k] = v.clone() if torch.is_tensor(v) else v
    trainer._step = snap["step"]
    trainer.gen.set_state(snap["rng"])
    for f in trainer.history.FIELDS:
        del getattr(trainer.history, f)[snap["n_hist"]:]
    trainer._pend_d, trainer._pend_g, trainer._pend_step = [], [], []


def _copy(dst, src):
    for d, s in zip(dst, src):
        d.copy_(s)
