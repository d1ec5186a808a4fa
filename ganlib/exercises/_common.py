"""Helpers shared by the chapter checkers.

* :func:`checker` — decorate every ``check_xxx``: a learner's function that still raises
  ``NotImplementedError`` (the stub a chapter hands out) gets a friendly "not attempted yet"
  line and the result ``False`` instead of a traceback, so the book executes with every
  exercise unsolved and no answer shown outside its dropdown.
* :func:`scalar` — the learner's answer as one float.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

__all__ = ["checker", "scalar", "NOT_ATTEMPTED", "kl_discrete", "jsd_discrete"]

#: What a checker prints when the learner's function is still the stub.
NOT_ATTEMPTED = "Not attempted yet: write `{name}` above, then run this cell again."


def _not_implemented(err: BaseException | None) -> bool:
    """Whether ``err`` or anything in its cause/context chain is a NotImplementedError."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, NotImplementedError):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


def checker(check):
    """Wrap ``check(answer, ...)`` so that an unattempted stub is reported, not raised.

    A right answer returns what ``check`` returns (a truthy value, after its success message);
    a wrong one raises ``AssertionError`` with a hint, as before; an answer that raises
    ``NotImplementedError`` (directly or through the checker's own error wrapping) prints
    :data:`NOT_ATTEMPTED` and returns ``False``.
    """
    @functools.wraps(check)
    def wrapper(answer, *args, **kwargs):
        try:
            return check(answer, *args, **kwargs)
        except Exception as err:  # noqa: BLE001  (only NotImplementedError chains are caught)
            if not _not_implemented(err):
                raise
            name = getattr(answer, "__name__", "your function")
            print(NOT_ATTEMPTED.format(name=name))
            return False
    return wrapper


def scalar(out) -> float:
    """The learner's answer as a float; a tensor must hold exactly one number."""
    if isinstance(out, torch.Tensor):
        assert out.numel() == 1, (
            f"your function returned a tensor of shape {tuple(out.shape)}: "
            "reduce over the batch with .mean() to get one number")
        out = out.detach().item()
    return float(out)


def kl_discrete(p, q) -> float:
    """KL(p ‖ q) = Σ p log(p / q) in nats over the support of p (inf where q = 0 < p)."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    mask = p > 0
    with np.errstate(divide="ignore"):
        return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def jsd_discrete(p, q) -> float:
    """JSD(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = ½ (p + q), in nats (Chapter 1)."""
    m = 0.5 * (np.asarray(p, float) + np.asarray(q, float))
    return 0.5 * kl_discrete(p, m) + 0.5 * kl_discrete(q, m)
