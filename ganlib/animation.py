"""Animations that play in the static HTML book, with no kernel and no network.

Every chapter records at least one figure as an animation: :func:`animate` builds a matplotlib
``FuncAnimation`` and :func:`to_html` turns it into self-contained JavaScript (``to_jshtml``)
whose player needs nothing from outside the page (:func:`offline_controls`). Re-exported by
:mod:`ganlib.plots`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt

__all__ = ["animate", "to_html", "offline_controls"]


def animate(update_fn, frames, fig=None, interval=100, blit=False, fixed_layout=False,
            layout_frame=None, **kwargs):
    """A ``matplotlib.animation.FuncAnimation`` calling ``update_fn(frame)`` per frame.

    Args:
        update_fn: called with each frame value (e.g. a step); should update artists in
            place (e.g. :meth:`ganlib.plot2d.Plot2D.update`) and may return them.
        frames: an int (0..frames−1) or an iterable of frame values.
        fig: the Figure to animate (default: ``plt.gcf()``).
        interval: milliseconds between frames.
        fixed_layout: solve the figure's layout engine (e.g. constrained layout) once, on
            one frame, then keep that layout for every frame: rendering is about
            twice as fast (the solver otherwise measures every text on every frame) and the
            panels do not jitter. That frame must hold every artist that takes space
            (titles, legends, twin axes, colour bars) at its widest (tick labels).
        layout_frame: with ``fixed_layout``, the frame value whose layout is kept
            (default: the first frame).
    Returns:
        the FuncAnimation; pass it to :func:`to_html` for the static book.
    """
    from matplotlib.animation import FuncAnimation
    fig = plt.gcf() if fig is None else fig
    if isinstance(frames, int) and frames < 1:
        raise ValueError(f"frames={frames!r} must be >= 1 or an iterable")
    if not isinstance(fixed_layout, bool):
        raise ValueError(f"fixed_layout={fixed_layout!r} is not valid; allowed: True or False")
    frames = list(frames) if not isinstance(frames, int) else frames
    if fixed_layout:
        update_fn = _layout_once(update_fn, fig, layout_frame)
    return FuncAnimation(fig, update_fn, frames=frames, interval=interval, blit=blit,
                         repeat=True, cache_frame_data=False, **kwargs)


def _layout_once(update_fn, fig, layout_frame=None):
    """``update_fn`` that, on its first call, solves ``fig``'s layout on ``layout_frame``
    (default: that first frame) and freezes it."""
    solved = []

    def update(frame):
        if solved:
            return update_fn(frame)
        solved.append(True)
        engine = fig.get_layout_engine()
        if engine is None:
            return update_fn(frame)
        out = update_fn(frame if layout_frame is None else layout_frame)
        engine.execute(fig)                     # the layout of that frame ...
        fig.set_layout_engine("none")           # ... kept for every frame
        return out if layout_frame is None else update_fn(frame)

    return update


def to_html(anim, default_mode="loop", close=True):
    """The animation as self-contained JavaScript HTML (``anim.to_jshtml()``) for IPython.

    Plays in the static HTML book without a kernel. Closes the animation's figure (so Jupyter
    does not also show a static copy) unless ``close=False``. Returns ``IPython.display.HTML``.
    """
    from IPython.display import HTML
    html = offline_controls(anim.to_jshtml(default_mode=default_mode))
    if close:
        plt.close(anim._fig)  # FuncAnimation has no public accessor for its figure
    return HTML(html)


# matplotlib's player draws its buttons with Font Awesome icons loaded from a CDN; offline (and in
# the book, which loads nothing from outside) they would be blank. Unicode glyphs that common fonts
# carry (DejaVu, Liberation, the system UI fonts) instead, as character references so that the
# page's encoding does not matter.
_ICONS = {"fa fa-minus": "&#x2212;", "fa fa-fast-backward": "&#x21e4;",
          "fa fa-step-backward": "&#x2039;", "fa fa-play fa-flip-horizontal": "&#x25c0;",
          "fa fa-pause": "&#x2016;", "fa fa-play": "&#x25b6;",
          "fa fa-step-forward": "&#x203a;", "fa fa-fast-forward": "&#x21e5;", "fa fa-plus": "+"}


def offline_controls(html: str) -> str:
    """``to_jshtml`` output with no request leaving the page: the Font Awesome stylesheet link is
    dropped and the player's icon elements become Unicode glyphs."""
    start = html.find("<link rel=\"stylesheet\"")
    if start != -1 and "font-awesome" in html[start:html.find(">", start)]:
        html = html[:start] + html[html.find(">", start) + 1:]
    for cls, glyph in _ICONS.items():
        html = html.replace(f'<i class="{cls}"></i>', glyph)
    return html
