"""The interactive training lab (issue 6), embedded in chapters 2, 3, 4, 5 and 7.

`TrainingLab(dataset="ring", loss="minimax", compare={"loss": "nonsaturating"})` is one cell of a
chapter. In Jupyter/Colab/VS Code it displays an ipywidgets lab: knobs, Train / Pause / Step /
Reset / Pin, checkpoints, and a live matplotlib view rendered to PNG in a `widgets.Image`
(no ipympl). Training runs in a background thread that calls `Trainer.round()` in short chunks,
so the kernel stays free to answer clicks; redraws adapt so drawing takes ≤ ~15 % of wall time.
In the static HTML book the same object shows a prerecorded animation instead (text/html)."""
from __future__ import annotations

import dataclasses
import html
import numbers
import os
import threading
import time

import ipywidgets as W
import torch

from ganlib.lab_knobs import (DATA_LABELS, DEFAULTS, LIVE, LOSS_LABELS, ROWS, check_knobs,
                              check_value, make_widgets)
from ganlib.lab_record import record_html
from ganlib.lab_views import LabRun, LabView, kind_of, torch_threads, wants_static
from ganlib.losses import LOSSES
from ganlib.train import Trainer

__all__ = ["TrainingLab", "check_knobs", "DEFAULTS", "LOSS_LABELS", "DATA_LABELS", "LIVE",
           "REPO"]

REPO = "gan-book/gan-book"            # GitHub repository of the book (launch links)


def _number(name, value, lo, hi, allowed):
    """``value`` as a float in (lo, hi]; else ValueError naming it."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and lo < value <= hi
    if not ok:
        raise ValueError(f"{name}={value!r} is not valid; allowed: {allowed}")
    return float(value)


class TrainingLab:
    """Live GAN training lab: pick data and knobs, train, watch, compare (issue 6).

    ``TrainingLab(dataset="ring", loss="nonsaturating", compare=None, **knobs)``;
    knobs: TrainConfig fields lr_d, lr_g, n_critic, batch_size, clip_value (0 = off),
    gp_weight (λ), label_smoothing, instance_noise, prior, optimizer, betas, seed, steps, plus
    model knobs latent_dim, hidden (width), depth, and checkpoint (a path to load at start).
    compare: dict of knob overrides for a second run pinned beside the first; it trains in
    lockstep with the current run (same seed, hence the same initial weights and batches).
    budget: largest share of wall time spent redrawing (adaptive rate); chunk_s: seconds of
    training between checks for Pause; threads: torch threads of the lab's own work (per
    thread; None keeps torch's setting). Programmatic use (tests): `.train()`, `.pause()`,
    `.step("d"|"g"|"round")`, `.reset()`, `.pin()`, `.set(**knobs)`; `.message` holds the
    last refusal or note shown in the widget.
    """

    def __new__(cls, *args, **kwargs):
        from ganlib.interact import static_build     # the static book: an explorer, no widget
        if static_build():
            from ganlib.lab_record import StaticLab
            return StaticLab(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, dataset="ring", loss="nonsaturating", compare=None, *,
                 checkpoint=None, budget=0.15, chunk_s=0.05, threads=1, **knobs):
        knobs = {**knobs, "dataset": dataset, "loss": loss}
        if isinstance(knobs.get("hidden"), (list, tuple)):      # (128, 128) → width, depth
            h = knobs["hidden"]
            knobs.update(hidden=h[0], depth=len(h))
        for what, given in (("knob", knobs), ("compare key", compare or {})):
            for name, value in given.items():
                if name not in DEFAULTS:
                    raise ValueError(f"{what} {name!r} is not one of {tuple(DEFAULTS)}")
                given[name] = check_value(name, value)
        clip = LOSSES[loss].clip_value                       # a loss that clips comes with c
        k = self.knobs = {**DEFAULTS, "latent_dim": 32 if dataset == "digits" else 2,
                          "clip_value": clip or 0.0, **knobs}
        for extra in ({}, compare or {}):
            problem = check_knobs({**k, **extra})
            if problem:
                raise ValueError(problem)
        self.compare = dict(compare or {})
        self.budget = _number("budget", budget, 0, 1, "a number with 0 < budget <= 1")
        self.chunk_s = _number("chunk_s", chunk_s, 0, 60, "seconds, 0 < chunk_s <= 60")
        if threads is not None and not (isinstance(threads, numbers.Integral)
                                        and not isinstance(threads, bool) and threads >= 1):
            raise ValueError(f"threads={threads!r} is not valid; allowed: None or an integer >= 1")
        self.threads = None if threads is None else int(threads)
        self._lock, self._stop, self._thread = threading.RLock(), threading.Event(), None
        self._ctl, self._resume = threading.Lock(), False    # Train/Pause hand-over
        self._running = False                                # the thread is in its loop
        self.run = self.pinned = self.view = self._drawn_at = None
        self.draw_times, self.message = [], ""
        self._build_ui()
        self.reset(first=True)
        if checkpoint:
            self.path.value = str(checkpoint)
            self._load()

    # -- user interface ----------------------------------------------------------------------
    def _build_ui(self):
        k, st = self.knobs, {"description_width": "initial"}
        lay = W.Layout(width="210px")
        values = {**k, "beta1": k["betas"][0], "beta2": k["betas"][1]}
        self.w = make_widgets(values, st, lay, W.Layout(width="330px"))
        for name, widget in self.w.items():
            widget.observe(lambda ch, name=name: self._on_knob(name), names="value")
        b = lambda d, icon="": W.Button(description=d, icon=icon,   # noqa: E731
                                        layout=W.Layout(width="auto"))
        self.buttons = {"train": b("Train", "play"), "pause": b("Pause", "pause"),
                        "step_d": b("Step D"), "step_g": b("Step G"),
                        "step_round": b("Step round"), "reset": b("Reset", "undo"),
                        "pin": b("Pin run", "thumb-tack"), "save": b("Save"),
                        "load": b("Load checkpoint")}
        acts = {"train": self.train, "pause": self.pause, "step_d": lambda: self.step("d"),
                "step_g": lambda: self.step("g"), "step_round": lambda: self.step("round"),
                "reset": self.reset, "pin": self.pin, "save": self._save, "load": self._load}
        for name, button in self.buttons.items():
            button.on_click(lambda _b, f=acts[name]: self._safe(f))
        self.path = W.Text(value="lab_checkpoint.pt", description="checkpoint", style=st)
        self.msg, self.status = W.HTML(), W.HTML()
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        rows = [*ROWS, ("train", "pause", "step_d", "step_g", "step_round", "reset", "pin")]
        self.widget = W.VBox([W.HBox([{**self.w, **self.buttons}[n] for n in r]) for r in rows]
                             + [W.HBox([self.path, self.buttons["save"], self.buttons["load"]]),
                                self.msg, self.status, self.image])

    def _widget_knobs(self):
        v = {n: w.value for n, w in self.w.items()}
        v["betas"] = (v.pop("beta1"), v.pop("beta2"))
        return v

    def _say(self, text, kind="info"):
        self.message = text
        color = {"error": "#b00020", "info": "#333", "warn": "#8a5a00"}[kind]
        self.msg.value = f'<span style="color:{color}">{html.escape(text)}</span>' if text else ""

    def _safe(self, fn):
        """Run a button action; any error becomes a message in the widget, not a traceback."""
        try:
            with torch_threads(self.threads):
                fn()
        except Exception as err:  # noqa: BLE001 — shown to the reader instead of a traceback
            self._say(f"{type(err).__name__}: {err}", "error")

    # -- knobs ---------------------------------------------------------------------------------
    def set(self, **knobs):
        """Set knob widgets programmatically (as a reader would), e.g. lab.set(lr_d=1e-4).

        A value outside a knob's allowed values or its widget's range raises ValueError
        naming the knob (widgets would otherwise clamp it silently); nothing is set then."""
        knobs = {name: check_value(name, value) for name, value in knobs.items()}
        for name, value in knobs.items():
            if name == "betas":
                self.w["beta1"].value, self.w["beta2"].value = value
            else:
                self.w[name].value = value

    def _on_knob(self, name):
        clip = self.w["clip_value"]      # a loss that clips (LossSpec.clip_value) comes with c
        c = LOSSES[self.w["loss"].value].clip_value
        if name == "loss" and (c is not None) != (clip.value > 0):
            clip.value = c or 0.0
        new = self._widget_knobs()
        self.knobs = new
        problem = check_knobs(new)
        if problem:
            return self._say("Refused: " + problem, "error")
        if self.run is None:
            return self._say("")
        if name in LIVE:
            with self._lock:
                t = self.run.trainer
                if name in ("lr_d", "lr_g"):
                    t.set_lr(lr_d=new["lr_d"], lr_g=new["lr_g"])
                elif name == "n_critic":
                    t.set_n_critic(int(new["n_critic"]))
                self.run.knobs[name] = new[name]
            return self._say(f"{name} = {new[name]:g} applied to the running trainer.")
        key = "betas" if name in ("beta1", "beta2") else name
        pending = [k for k in DEFAULTS if k not in LIVE and new[k] != self.run.knobs[k]]
        if pending:
            return self._say(f"Changing {key} needs Reset (press Reset to start a new run with "
                             f"{', '.join(pending)} changed; the current run keeps its "
                             "settings).", "warn")
        self._say("")

    # -- actions -------------------------------------------------------------------------------
    def reset(self, first=False):
        """Stop, and start a fresh run from the knobs (the pinned run stays)."""
        problem = check_knobs(self.knobs) or (
            first and self.compare and check_knobs({**self.knobs, **self.compare}))
        if problem:
            return self._say("Refused: " + problem, "error")
        self.pause()
        with self._lock:
            self.run = LabRun(self.knobs)
            if first and self.compare:
                self.pinned = LabRun({**self.knobs, **self.compare})
            if self.pinned is not None and self.pinned.kind != self.run.kind:
                self.pinned = None
            self._new_view()
        self._say("" if first else "Reset: new run from the current knobs.")
        self.redraw()

    def pin(self):
        """Keep the current run pinned (frozen) and start a new run beside it."""
        if check_knobs(self.knobs):
            return self._say("Refused: " + check_knobs(self.knobs), "error")
        self.pause()
        self.pinned = self.run
        self.reset()
        self._say(f"Pinned the run at step {self.pinned.rounds}; change knobs and press Train "
                  "to compare (same seed, same batches).")

    def _new_view(self):
        runs = self.runs
        titles = None
        if len(runs) == 2:
            diff = {k: v for k, v in self.pinned.knobs.items() if self.run.knobs.get(k) != v}
            label = ", ".join(f"{k}={v}" for k, v in diff.items()) or "same knobs"
            titles = [f"pinned ({label})", "current"]
        self.view = LabView(runs, titles=titles)
        width = self.view.fig.get_size_inches()[0] * self.view.dpi
        self.image.layout.width = f"{width:.0f}px"          # natural size, no upscaling

    @property
    def runs(self):
        """The runs on display: [pinned, current] or [current]."""
        return [r for r in (self.pinned, self.run) if r is not None]

    def _round(self):
        """One training round of the current run; the pinned run catches up to its step."""
        self.run.round()
        p = self.pinned
        if p is not None and p.rounds < self.run.rounds and not p.diverged:
            p.round()

    def step(self, which="round"):
        """One D step ('d'), one G step ('g') or one round ('round'), then redraw."""
        if which not in ("d", "g", "round"):
            raise ValueError(f"which={which!r} is not one of 'd', 'g', 'round'")
        self.pause()
        self._resume_diverged()
        with self._lock, torch_threads(self.threads):
            {"d": self.run.d_step, "g": self.run.g_step, "round": self._round}[which]()
        self.redraw()

    def _resume_diverged(self):
        """After a divergence the trainer holds its last finite state: training resumes from
        there (with the knobs as they are now) instead of refusing until Reset."""
        run = self.run
        if run is not None and run.diverged:
            run.diverged = None
            self._say(f"Resuming from the last finite state (G step {run.trainer.step}).")

    @property
    def training(self):
        """True while the thread trains (False from Pause on, even if it is still drawing)."""
        return self._running and not self._stop.is_set()

    def train(self):
        """Start (or resume) training in a background thread; returns immediately. A click
        while a paused thread is still finishing its last redraw is kept: that thread goes
        on training instead of exiting."""
        if self.run is None:
            return
        with self._ctl:
            if self._running:                 # the thread has not yet left its loop
                if self._stop.is_set():
                    self._resume = True
                    self._stop.clear()
                self.buttons["train"].disabled = True
                return
            self._resume_diverged()
            self._stop.clear()
            self._running = True
            self._thread = threading.Thread(target=self._loop, daemon=True, name="TrainingLab")
            self._thread.start()
        self.buttons["train"].disabled = True

    def pause(self, timeout=0.4):
        """Ask the thread to stop; it finishes the current round and keeps all state. Waits at
        most ``timeout`` s (so a click answers within 0.5 s even when a redraw is slow: that
        thread then stops after its redraw, and a Train click meanwhile is kept)."""
        with self._ctl:
            self._resume = False
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.buttons["train"].disabled = False
        self._show_status("paused")

    def _loop(self):
        if self.threads:
            torch.set_num_threads(self.threads)       # this thread only (OpenMP is per thread)
        while True:
            try:
                self._train_loop()
            except Exception as err:  # noqa: BLE001 — reported in the widget, not a traceback
                self._say(f"Training stopped: {type(err).__name__}: {err}", "error")
            with self._ctl:                           # a Train click during the last redraw
                if not self._resume or self.run.diverged:
                    self._running = False
                    break
                self._resume = False
                self._stop.clear()
        self.buttons["train"].disabled = False
        self._show_status("paused")

    def _train_loop(self):
        last_draw, interval = 0.0, 0.0
        while not self._stop.is_set():
            t0 = time.perf_counter()
            with self._lock:
                while (time.perf_counter() - t0 < self.chunk_s and not self._stop.is_set()
                       and self.run.rounds < self.knobs["steps"] and not self.run.diverged):
                    self._round()
            done = self.run.rounds >= self.knobs["steps"] or self.run.diverged
            if done or time.perf_counter() - last_draw >= interval:
                d = self.redraw()
                last_draw = time.perf_counter()
                # drawing takes ≤ budget of wall time: d / (d + interval) ≤ budget
                interval = max(0.1, d * (1 - self.budget) / self.budget)
            if done:
                self._say(self.run.diverged or f"Finished {self.run.rounds} G steps.",
                          "error" if self.run.diverged else "info")
                break
        if self.view.n_draws and self._drawn_at != self.run.rounds:
            self.redraw()                             # show exactly the paused state

    def redraw(self):
        """Render the view to PNG into the Image widget; returns the draw time in seconds."""
        t0 = time.perf_counter()
        with self._lock, torch_threads(self.threads):
            self.view.update(self.runs)
            self._drawn_at = self.run.rounds
        png = self.view.png()
        self.image.value = png
        dt = time.perf_counter() - t0
        self.draw_times.append(dt)
        self._show_status()
        return dt

    def _show_status(self, state=None):
        if self.run is None:
            return
        r = self.run
        state = state or ("training" if self.training and not self._stop.is_set() else "paused")
        state = "diverged" if r.diverged else state
        self.status.value = f"<small>G steps {r.rounds} · D steps {r.d_updates} · {state}</small>"

    # -- checkpoints ---------------------------------------------------------------------------
    def _save(self):
        with self._lock:
            self.run.trainer.save(self.path.value)
        self._say(f"Saved step {self.run.rounds} to {self.path.value}.")

    def _load(self):
        if not os.path.exists(self.path.value):
            return self._say(f"checkpoint {self.path.value!r} does not exist", "error")
        self.pause()
        with self._lock:
            run = LabRun(self.knobs)              # the current knobs apply to the loaded run
            overrides = dataclasses.asdict(run.config)
            run.trainer = Trainer.load(self.path.value, run.G, run.D, run.data, **overrides)
            run.rounds = int(run.trainer.step)
            self.run = run
            self._new_view()
        self._say(f"Loaded {self.path.value} (step {run.rounds}).")
        self.redraw()

    # -- display -------------------------------------------------------------------------------
    def static_html(self, steps=200, frames=20):
        """Prerecorded run (to_jshtml animation) + a note that the live lab needs a kernel."""
        for name, value in (("steps", steps), ("frames", frames)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}={value!r} is not valid; allowed: an integer >= 1")
        k, problem = self.knobs, check_knobs(self.knobs)
        if problem:
            return f"<p>Training lab: refused: {html.escape(problem)}</p>"
        note = ('<p class="ganlib-training-lab"><b>Training lab — prerecorded run</b> '
                f"({steps} G steps, {kind_of(k['dataset'])} data, loss={k['loss']}"
                + (f", pinned: {html.escape(str(self.compare))}" if self.compare else "")
                + "). The live lab with knobs needs a running Python kernel: open this page "
                "in Jupyter, Colab or Binder with the launch button (rocket icon) at the top, "
                f'or <a href="https://mybinder.org/v2/gh/{REPO}/HEAD">launch on Binder</a>.</p>')
        def runs():
            return ([LabRun({**k, **self.compare})] if self.compare else []) + [LabRun(k)]
        key = repr((sorted(k.items()), sorted(self.compare.items()), steps, frames))
        with torch_threads(self.threads):
            return record_html(runs, key, note, steps=steps, frames=frames)

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = data[0] if isinstance(data, tuple) else dict(data or {})
        if wants_static():
            data["text/html"] = self.static_html()
        return data

    def __repr__(self):
        return (f"TrainingLab(dataset={self.knobs['dataset']!r}, loss={self.knobs['loss']!r}, "
                f"step={self.run.rounds if self.run else 0})")

