"""Tests for ganlib.exercises._common: the checker wrapper and scalar()."""
import importlib
import inspect
import pkgutil

import pytest
import torch

import ganlib.exercises
from ganlib.exercises._common import NOT_ATTEMPTED, checker, scalar

#: Checkers whose answer is not a function (their own stub, e.g. {"a": ...}, is tested in
#: their chapter's test file).
NOT_A_FUNCTION = {"check_curve_diagnosis"}
#: Every public checker of a function answer in every chapter module (ganlib.exercises.chNN),
#: found, not listed: a new checker or chapter is covered without editing this file.
CHAPTER_CHECKERS = [
    fn
    for module in (importlib.import_module(f"ganlib.exercises.{m.name}")
                   for m in pkgutil.iter_modules(ganlib.exercises.__path__)
                   if m.name.startswith("ch"))
    for name, fn in inspect.getmembers(module, inspect.isfunction)
    if name.startswith("check_") and fn.__module__ == module.__name__
    and name not in NOT_A_FUNCTION]


@checker
def check_double(fn):
    try:
        out = fn(2)
    except Exception as err:
        raise AssertionError(f"fn(2) raised {type(err).__name__}: {err}") from err
    assert out == 4, f"fn(2) returned {out!r}; expected 4"
    print("Correct")
    return True


def test_right_answer_passes(capsys):
    assert check_double(lambda x: 2 * x) is True
    assert "Correct" in capsys.readouterr().out


def test_wrong_answer_still_raises_with_hint():
    with pytest.raises(AssertionError, match="expected 4"):
        check_double(lambda x: x + 3)
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        check_double(lambda x: x / 0)


def test_stub_reports_not_attempted(capsys):
    def double(x):
        raise NotImplementedError
    assert check_double(double) is False
    assert NOT_ATTEMPTED.format(name="double") in capsys.readouterr().out


def test_not_implemented_raised_by_the_checker_itself_is_reported():
    @checker
    def check_broken(fn):
        raise NotImplementedError("checker bug")
    assert check_broken(lambda: 0) is False


def test_scalar():
    assert scalar(torch.tensor([1.5])) == 1.5
    with pytest.raises(AssertionError, match="reduce over the batch"):
        scalar(torch.ones(3))


@pytest.mark.parametrize("check", CHAPTER_CHECKERS,
                         ids=lambda c: f"{c.__module__.rsplit('.', 1)[-1]}.{c.__name__}")
def test_every_chapter_checker_reports_an_unattempted_stub(check, capsys):
    def stub(*args):
        raise NotImplementedError

    assert check(stub) is False
    assert "Not attempted yet" in capsys.readouterr().out
