"""Tests of ganlib.interact: one call, live widgets in a kernel, a precomputed explorer in the
static book (issue 10)."""
import json
import re
import sys

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import ganlib  # noqa: E402
from ganlib import interact as gi  # noqa: E402


def draw(mu=0.5, method="a"):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, mu], color="k" if method == "a" else "r")
    ax.set_ylim(-2, 2)
    plt.show()
    print(f"mu = {mu:.2f}, method = {method}")


def runs_json(html):
    m = re.search(r'<script type="application/json" data-role="runs">(.*?)</script>', html, re.S)
    assert m, "no embedded runs JSON"
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_module_is_callable_and_static_mode_emits_only_html():
    plt.close("all")                       # figures other tests left open are not ours
    fig = ganlib.interact(draw, name="demo", mu=(-1.0, 1.0, 0.5), method=["a", "b"],
                          static=True)
    bundle = fig._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}        # no widget view, no widget state
    html = bundle["text/html"]
    assert 'class="ganlib-explorer' in html and 'data-explorer="demo"' in html
    assert '<input type="range" data-knob="mu"' in html
    assert '<select data-knob="method"' in html
    data = runs_json(html)
    assert [k["name"] for k in data["knobs"]] == ["mu", "method"]
    assert data["knobs"][0]["values"] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert len(data["frames"]) == 5 * 2
    # row-major: the last knob varies fastest; every frame is a PNG plus the printed text
    assert data["frames"][1]["text"] == "mu = -1.00, method = b"
    assert all(f["images"][0].startswith("data:image/png;base64,") for f in data["frames"])
    assert data["frames"][0]["images"] != data["frames"][2]["images"]   # mu changes the figure
    assert not plt.get_fignums()                                # every figure was closed


def test_static_figure_is_deterministic():
    a = ganlib.interact(draw, mu=(-1.0, 1.0, 1.0), static=True).html
    b = ganlib.interact(draw, mu=(-1.0, 1.0, 1.0), static=True).html
    assert a == b


def test_live_mode_builds_sliders_and_dropdowns():
    w = ganlib.interact(draw, mu=(-1.0, 1.0, 0.25), method=["a", "b"], static=False)
    sliders = {c.description: c for c in w.children if hasattr(c, "description")}
    assert sliders["mu"].min == -1.0 and sliders["mu"].max == 1.0 and sliders["mu"].step == 0.25
    assert sliders["mu"].value == 0.5
    assert list(sliders["method"].options) == ["a", "b"]
    plt.close("all")


def test_static_grid_keeps_default_and_frame_limit():
    knobs = {"x": gi.Knob("x", (0.0, 4.0, 0.05), 1.23), "y": gi.Knob("y", (0, 100, 1), 7),
             "m": gi.Knob("m", ["p", "q", "r"], "q")}
    grid = gi.static_grid(knobs, max_frames=150)
    assert 1.25 in grid["x"] or 1.2 in grid["x"]
    assert 7 in grid["y"] and grid["m"] == ["p", "q", "r"]
    assert len(grid["x"]) * len(grid["y"]) * 3 <= 150
    assert grid["x"][0] == 0.0 and grid["x"][-1] == 4.0
    assert gi.static_grid(knobs, {"x": [1.0, 2.0]}, 150)["x"] == [1.0, 2.0]


@pytest.mark.parametrize("kwargs, match", [
    ({"mu": (1.0, -1.0, 0.1)}, "hi > lo"),
    ({"mu": "fast"}, "must be"),
    ({"nu": (0.0, 1.0, 0.1)}, "not an argument"),
    ({"mu": (1.0, 2.0, 0.1)}, "outside"),
    ({"method": ["x", "y"]}, "not one of"),
])
def test_bad_knobs_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ganlib.interact(draw, static=True, **kwargs)


def test_bad_grid_and_draw_are_refused():
    with pytest.raises(ValueError, match="grid key"):
        ganlib.interact(draw, mu=(-1.0, 1.0, 0.5), grid={"nu": [1]}, static=True)
    with pytest.raises(ValueError, match="draw"):
        ganlib.interact("draw", mu=(-1.0, 1.0, 0.5))
    with pytest.raises(ValueError, match="max_frames"):
        ganlib.interact(draw, mu=(-1.0, 1.0, 0.5), method=["a", "b"], max_frames=2,
                        static=True)


class ZMQInteractiveShell:          # stands in for ipykernel's shell class (matched by name)
    pass


def test_static_build_only_in_a_build_kernel(monkeypatch):
    assert not gi.static_build()                     # pytest: not a kernel
    ipython = pytest.importorskip("IPython")
    monkeypatch.setattr(ipython, "get_ipython", lambda: ZMQInteractiveShell(), raising=False)
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.delenv("GANLIB_LAB_STATIC", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert gi.static_build()                         # nbclient's kernel building the book
    monkeypatch.setenv("JPY_SESSION_NAME", "x.ipynb")
    assert not gi.static_build()                     # a kernel started by JupyterLab
    monkeypatch.setenv("GANLIB_LAB_STATIC", "1")
    assert gi.static_build()


def test_training_lab_is_the_static_explorer_in_the_build(monkeypatch):
    from ganlib import explorer, lab_record, widgets
    monkeypatch.setattr(gi, "static_build", lambda: True)
    calls = {}

    def fake(**kw):
        calls.update(kw)
        return explorer.TrainingExplorer("x", {"loss": ["minimax"]}, {}, [], {}, {})

    monkeypatch.setattr(explorer, "training_explorer", fake)
    lab = widgets.TrainingLab(dataset="ring", loss="minimax", compare={"loss": "nonsaturating"})
    assert isinstance(lab, lab_record.StaticLab)
    assert calls["start"] == {"dataset": "ring", "loss": "minimax", "lr": 2e-3, "n_critic": 1}
    assert calls["datasets"] == ("ring", "grid")          # the lab's dataset first, then grid
    assert calls["n_critics"] == (1, 2) and len(calls["lrs"]) == 2
    assert {"minimax", "nonsaturating", "wgan", "wgan-gp"} <= set(calls["losses"])
    widgets.TrainingLab(dataset="mixture1d", loss="minimax", n_critic=5)
    assert calls["datasets"] == ("mixture1d", "ring", "grid") and calls["n_critics"] == (1, 5)
    with pytest.raises(ValueError, match="clip_value"):
        widgets.TrainingLab(dataset="ring", loss="wgan", clip_value=0.0)
