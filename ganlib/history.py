"""What a training run records: :class:`History` (the logged curves) and
:class:`TrainingDiverged` (raised, after a rollback, when a loss turns NaN/inf).

Both are re-exported by :mod:`ganlib.train`. Chapters 2-7 plot ``History`` fields; chapter 7
catches ``TrainingDiverged`` and resumes with other settings.
"""
from __future__ import annotations

__all__ = ["History", "TrainingDiverged"]


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
        if data is not None and not isinstance(data, dict):
            raise ValueError(f"data={type(data).__name__} is not valid; allowed: None or a dict "
                             "from History.as_dict()")
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
