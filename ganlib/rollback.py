"""The last finite training state, kept for :class:`~ganlib.train.TrainingDiverged` (chapter 7).

A :class:`Snapshot` is owned by a :class:`~ganlib.train.Trainer`: every ``log_every`` steps
(and after each ``d_step``/``g_step``) the trainer calls :meth:`Snapshot.take`, which copies
both players, both optimizers' state and the random stream in place (no new allocations after
the first call) and records the step and history length the trainer passes in. A NaN/inf loss
calls :meth:`Snapshot.restore`, which puts the copy back and returns what the trainer must
reset itself (step, history length), so a diverged run can be resumed with other settings.
Non-finite weights are never stored: the first :meth:`Snapshot.take` refuses them too.
"""
from __future__ import annotations

import torch

__all__ = ["Snapshot", "NonFiniteState", "check_finite"]


class NonFiniteState(ValueError):
    """A model or optimizer holds a NaN/inf value where only finite state may enter."""


def _model_tensors(models):
    return [t for m in models for t in (*m.parameters(), *m.buffers())]


def _opt_entries(optimizers):
    return [(o, p, k, v) for o in optimizers for p, st in o.state.items() for k, v in st.items()]


@torch.no_grad()
def check_finite(what: str, tensors) -> None:
    """Raise :class:`NonFiniteState` naming ``what`` if a floating tensor holds NaN/inf."""
    floats = [t for t in tensors if torch.is_tensor(t) and t.is_floating_point()]
    if floats and not bool(torch.stack([t.float().norm() for t in floats]).isfinite().all()):
        raise NonFiniteState(f"{what} holds NaN/inf values; only finite state can be trained "
                             "or restored")


class Snapshot:
    """In-place copy of (models, optimizers, random stream) plus ``step`` and ``n_hist``.

    ``Snapshot(models, optimizers, stream)``: ``models`` the players (G, D), ``optimizers``
    theirs, ``stream`` an object with ``get_state``/``set_state`` (:class:`ganlib.draws.Stream`).
    """

    def __init__(self, models, optimizers, stream):
        self.models, self.optimizers, self.stream = list(models), list(optimizers), stream
        self.step, self.n_hist, self.rng = None, 0, None
        self._key, self._model, self._opt, self._ref = None, None, None, None

    @property
    def taken(self) -> bool:
        return self.step is not None

    @torch.no_grad()
    def take(self, step: int, n_hist: int) -> bool:
        """Copy the current state; False (copying nothing) if a weight or optimizer state is
        NaN/inf, so the kept state is always finite."""
        model, opt = _model_tensors(self.models), _opt_entries(self.optimizers)
        try:
            check_finite("state", model + [v for *_, v in opt])
        except NonFiniteState:
            return False
        key = [(id(p), k) for o, p, k, v in opt]
        if self._key != key:
            self._key, self._model = key, [t.clone() for t in model]
            self._opt = [v.clone() if torch.is_tensor(v) else v for *_, v in opt]
        else:
            _copy(self._model, model)
            pairs = [(s, v) for s, (*_, v) in zip(self._opt, opt) if torch.is_tensor(v)]
            _copy([s for s, _ in pairs], [v for _, v in pairs])
        self._ref, self.step, self.n_hist = opt, int(step), int(n_hist)
        self.rng = self.stream.get_state()
        return True

    @torch.no_grad()
    def restore(self):
        """Put the copy back (players, optimizer state, random stream) -> (step, n_hist)."""
        if not self.taken:
            raise RuntimeError("no snapshot was taken; nothing to restore")
        _copy(_model_tensors(self.models), self._model)
        for o in self.optimizers:
            o.state.clear()
        for (o, p, k, _), v in zip(self._ref, self._opt):
            o.state[p][k] = v.clone() if torch.is_tensor(v) else v
        self.stream.set_state(self.rng)
        return self.step, self.n_hist


def _copy(dst, src):
    for d, s in zip(dst, src):
        d.copy_(s)
