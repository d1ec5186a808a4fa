"""Tests of ganlib/__init__.py: device selection, seeding, lazy submodules."""
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

import ganlib


def test_version_and_core_submodules():
    assert ganlib.__version__ == "0.1.0"
    for name in ("data", "models", "losses", "theory"):
        assert getattr(ganlib, name).__name__ == f"ganlib.{name}"


def test_device_default_is_an_available_device():
    dev = ganlib.device()
    assert isinstance(dev, torch.device)
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert dev.type == expected
    elif not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        assert dev.type == "cpu"


def test_device_cpu_and_device_objects():
    assert ganlib.device("cpu") == torch.device("cpu")
    assert ganlib.device(" CPU ") == torch.device("cpu")
    assert ganlib.device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("name", ["nonsense", "gpu", "cuda:x", "tpu", ""])
def test_device_unknown_raises_naming_device(name):
    with pytest.raises(ValueError, match=r"device=.*'cpu'"):
        ganlib.device(name)


def test_device_non_string_raises():
    with pytest.raises(ValueError, match="device"):
        ganlib.device(3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_device_unavailable_cuda_raises():
    with pytest.raises(ValueError, match="device='cuda:0' is not available"):
        ganlib.device("cuda:0")


def test_seed_everything_reproduces_all_three_rngs():
    ganlib.seed_everything(123)
    first = (torch.rand(3), np.random.rand(3), random.random())
    ganlib.seed_everything(123)
    second = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert first[2] == second[2]
    ganlib.seed_everything(124)
    assert not torch.equal(first[0], torch.rand(3))


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_seed_everything_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed="):
        ganlib.seed_everything(seed)


def test_lazy_submodule_missing_is_attribute_error(monkeypatch):
    monkeypatch.setattr(ganlib, "_LAZY_SUBMODULES", ganlib._LAZY_SUBMODULES + ("not_there",))
    with pytest.raises(AttributeError, match="not_there"):
        ganlib.not_there
    with pytest.raises(AttributeError):
        ganlib.definitely_not_a_submodule


def test_import_is_light():
    code = ("import sys, ganlib; heavy = [m for m in ('matplotlib', 'scipy.integrate', 'ot', "
            "'sklearn', 'ipywidgets') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- issue 13: device() and seed_everything live in ganlib.runtime ---------------------------
def test_runtime_module_is_the_home_of_device_and_seed():
    import ganlib.runtime as runtime
    assert ganlib.device is runtime.device and ganlib.seed_everything is runtime.seed_everything
    assert runtime.device(" CPU ") == runtime.device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("bad", [5, "", "gpu", 1.5, ["cpu"]])
def test_device_names_the_parameter(bad):
    with pytest.raises(ValueError, match="device="):
        ganlib.device(bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None, 2**64])
def test_seed_everything_names_the_parameter(bad):
    with pytest.raises(ValueError, match="seed="):
        ganlib.seed_everything(bad)


def test_seed_everything_accepts_numpy_integers():
    import numpy as np
    ganlib.seed_everything(np.int64(3))
    a = torch.rand(2)
    ganlib.seed_everything(3)
    assert torch.equal(a, torch.rand(2))
