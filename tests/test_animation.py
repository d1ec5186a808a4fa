"""Tests of ganlib.animation: the static book's animations load nothing from outside the page."""
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ganlib.animation import animate, offline_controls, to_html  # noqa: E402


def _anim():
    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    return animate(lambda i: (line.set_ydata([0, i]),), 3, fig)


def test_player_needs_no_network_and_keeps_its_buttons():
    html = to_html(_anim()).data
    assert not re.search(r"(href|src)=\"https?://", html)     # no CDN stylesheet or script
    assert "fa fa-" not in html                                 # no Font Awesome icon left
    for glyph in ("&#x25b6;", "&#x2016;", "&#x25c0;"):          # play, pause, reverse
        assert glyph in html
    assert "data:image/png;base64" in html                  # frames are inline data


def test_offline_controls_is_idempotent_and_only_touches_the_player():
    raw = _anim().to_jshtml()
    once = offline_controls(raw)
    assert offline_controls(once) == once
    assert "maxcdn" in raw and "maxcdn" not in once
    assert len(raw) - len(once) < 2000          # the frames themselves are untouched
    plt.close("all")




def _title_positions(fixed_layout, layout_frame=None):
    """Axes position seen by each frame's update, the title one line taller each frame."""
    fig, ax = plt.subplots(layout="constrained")
    (line,) = ax.plot([0, 1], [0, 1])
    positions = []

    def update(i):
        positions.append(ax.get_position().bounds)   # as laid out for the previous frame
        ax.set_title("\n".join(["frame"] * (i + 1)))
        return (line,)

    html = to_html(animate(update, 4, fig, fixed_layout=fixed_layout,
                           layout_frame=layout_frame)).data
    assert html.count("data:image/png;base64") == 4
    return fig, positions


def test_fixed_layout_solves_the_first_frame_once_and_keeps_it():
    import pytest
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    fig, fixed = _title_positions(True)
    assert isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine)  # solver off
    assert fixed[1] != fixed[0]                # solved once, on the first frame ...
    assert len(set(fixed[1:])) == 1            # ... and kept for every later frame
    _, moving = _title_positions(False)
    assert len(set(moving[2:])) > 1            # re-solved each frame: the axes move
    _, last = _title_positions(True, layout_frame=3)   # laid out on the tallest title
    assert len(set(last[2:])) == 1 and last[-1][3] < fixed[-1][3]   # a shorter axes
    with pytest.raises(ValueError, match="fixed_layout"):
        animate(lambda i: (), 2, fig, fixed_layout="yes")
    plt.close("all")
