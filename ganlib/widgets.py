"""The interactive training lab (issue 6), embedded in chapters 2, 3, 4, 5 and 7.

`TrainingLab(dataset="ring", loss="minimax", compare={"loss": "nonsaturating"})` is one cell of a
chapter. In Jupyter/Colab/VS Code it displays an ipywidgets lab: knobs, Train / Pause / Step /
Reset / Pin, checkpoints, and a live matplotlib view rendered to PNG in a `widgets.Image`
(no ipympl). Training runs in a background thread that calls `Trainer.round()` in short chunks,
so the kernel stays free to answer clicks; redraws adapt so drawing takes ≤ ~15 % of wall time.
In the static HTML book the same object shows a prerecorded animation instead (text/html)."""
from __future__ import annotations

import html
import os
import threading
import time

import ipywidgets as W
import torch

from ganlib.lab_record import record_html
from ganlib.lab_views import LabRun, LabView, kind_of, torch_threads, wants_static
from ganlib.losses import SIGMOID_LOSSES

__all__ = ["TrainingLab", "check_knobs", "DEFAULTS", "LOSS_LABELS", "REPO"]

REPO = "gan-book/gan-book"            # GitHub repository of the book (launch links)
LOSS_LABELS = {"minimax": "minimax", "non-saturating": "nonsaturating",
               "WGAN (clipping)": "wgan", "WGAN-GP": "wgan-gp", "least squares": "lsgan",
               "hinge": "hinge"}
DATA_LABELS = {"1D Gaussian": "gaussian", "1D mixture": "mixture1d", "ring of 8": "ring",
               "grid of 25": "grid", "swiss roll": "swissroll", "two moons": "moons",
               "digits (8×8)": "digits"}
DEFAULTS = dict(dataset="ring", loss="nonsaturating", lr_d=1e-3, lr_g=1e-3, n_critic=1,
                batch_size=256, latent_dim=2, prior="gaussian", hidden=128, depth=2,
                optimizer="adam", betas=(0.5, 0.999), label_smoothing=0.0, instance_noise=0.0,
                clip_value=0.0, gp_weight=10.0, seed=0, steps=5000)
LIVE = ("lr_d", "lr_g", "n_critic", "steps")          # knobs applied to a running trainer


def check_knobs(k):
    """Return None if the knob values `k` make a valid run, else a message saying why not."""
    if k["dataset"] not in DATA_LABELS.values():
        return f"dataset={k['dataset']!r} is not one of {tuple(DATA_LABELS.values())}"
    if k["loss"] not in LOSS_LABELS.values():
        return f"loss={k['loss']!r} is not one of {tuple(LOSS_LABELS.values())}"
    if k["clip_value"] and k["loss"] != "wgan":
        return (f"clip_value={k['clip_value']} (weight clipping) only applies to WGAN with "
                f"clipping, not loss={k['loss']!r}: set clip_value to 0 or pick 'WGAN (clipping)'.")
    if k["loss"] == "wgan" and not k["clip_value"] > 0:
        return "loss='wgan' needs clip_value > 0 (the original paper uses 0.01)."
    if k["gp_weight"] != DEFAULTS["gp_weight"] and k["loss"] != "wgan-gp":
        return (f"λ = gp_weight={k['gp_weight']} only applies to loss='wgan-gp', "
                f"not loss={k['loss']!r}: set λ back to 10 or pick WGAN-GP.")
    if k["label_smoothing"] and k["loss"] not in SIGMOID_LOSSES:
        return (f"label_smoothing moves the BCE label 1 → 1−s; loss={k['loss']!r} has no "
                "labels: set it to 0 or pick minimax / non-saturating.")
    for name in ("lr_d", "lr_g"):
        if not k[name] > 0:
            return f"{name}={k[name]} must be > 0"
    if not all(0 <= b < 1 for b in k["betas"]):
        return f"betas={tuple(k['betas'])} must lie in [0, 1)"
    return None


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
        for what, given in (("knob", knobs), ("compare key", compare or {})):
            if set(given) - set(DEFAULTS):
                bad = sorted(set(given) - set(DEFAULTS))[0]
                raise ValueError(f"{what} {bad!r} is not one of {tuple(DEFAULTS)}")
        for name, value, ok in (("dataset", dataset, DATA_LABELS), ("loss", loss, LOSS_LABELS)):
            if value not in ok.values():
                raise ValueError(f"{name}={value!r} is not one of {tuple(ok.values())}")
        k = self.knobs = {**DEFAULTS, "latent_dim": 32 if dataset == "digits" else 2,
                          "clip_value": 0.01 if loss == "wgan" else 0.0, **knobs,
                          "dataset": dataset, "loss": loss}
        h = k["hidden"]                                   # (128, 128) → width 128, depth 2
        k.update(betas=tuple(k["betas"]), clip_value=k["clip_value"] or 0.0,
                 **({"hidden": int(h[0]), "depth": len(h)} if isinstance(h, (list, tuple)) else {}))
        self.compare = dict(compare or {})
        self.budget, self.chunk_s, self.threads = budget, chunk_s, threads
        self._lock, self._stop, self._thread = threading.RLock(), threading.Event(), None
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
        F, I, S = W.FloatText, W.IntText, {"layout": W.Layout(width="330px")}
        spec = {  # name: (widget class, description, extra keyword arguments)
            "dataset": (W.Dropdown, "data", dict(options=list(DATA_LABELS.items()))),
            "loss": (W.Dropdown, "loss", dict(options=list(LOSS_LABELS.items()))),
            "optimizer": (W.Dropdown, "optimizer", dict(options=["adam", "rmsprop", "sgd"])),
            "batch_size": (W.Dropdown, "batch_size", dict(options=[16, 32, 64, 128, 256, 512])),
            "lr_d": (W.FloatLogSlider, "lr_d", dict(min=-5, max=-1, readout_format=".1e", **S)),
            "lr_g": (W.FloatLogSlider, "lr_g", dict(min=-5, max=-1, readout_format=".1e", **S)),
            "n_critic": (W.IntSlider, "n_critic (D steps per G step)", dict(min=1, max=10, **S)),
            "latent_dim": (W.BoundedIntText, "latent_dim", dict(min=1, max=128)),
            "prior": (W.Dropdown, "prior", dict(options=["gaussian", "uniform"])),
            "hidden": (W.Dropdown, "hidden width", dict(options=[16, 32, 64, 128, 256])),
            "depth": (W.BoundedIntText, "depth", dict(min=1, max=6)),
            "beta1": (W.BoundedFloatText, "β1", dict(min=0, max=0.999, step=0.05)),
            "beta2": (W.BoundedFloatText, "β2", dict(min=0, max=0.9999, step=0.001)),
            "clip_value": (F, "clip_value (0 = off)", dict(step=0.01)),
            "gp_weight": (F, "λ (gp_weight)", {}),
            "label_smoothing": (W.FloatSlider, "label_smoothing", dict(max=0.5, step=0.05, **S)),
            "instance_noise": (W.FloatSlider, "instance_noise", dict(max=1, step=0.05, **S)),
            "seed": (I, "seed", {}), "steps": (I, "max G steps", {})}
        values = {**k, "beta1": k["betas"][0], "beta2": k["betas"][1],
                  "clip_value": k["clip_value"] or 0.0}
        for name, (cls, _, extra) in spec.items():   # a chapter's value joins the options
            opts = [o[1] if isinstance(o, tuple) else o for o in extra.get("options", [])]
            if opts and values[name] not in opts:
                extra["options"] = list(extra["options"]) + [values[name]]
        self.w = {name: cls(value=values[name], description=desc,
                            **({"style": st, "layout": lay} | extra))
                  for name, (cls, desc, extra) in spec.items()}
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
        rows = [list(spec)[i:j] for i, j in ((0, 4), (4, 7), (7, 11), (11, 15), (15, 19))]
        rows.append(["train", "pause", "step_d", "step_g", "step_round", "reset", "pin"])
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
        """Set knob widgets programmatically (as a reader would), e.g. lab.set(lr_d=1e-4)."""
        for name, value in knobs.items():
            if name == "betas":
                self.w["beta1"].value, self.w["beta2"].value = value
            elif name in self.w:
                self.w[name].value = value
            else:
                raise ValueError(f"knob {name!r} is not one of {tuple(DEFAULTS)}")

    def _on_knob(self, name):
        clip = self.w["clip_value"]               # WGAN (clipping) comes with c = 0.01
        if name == "loss" and (self.w["loss"].value == "wgan") != (clip.value > 0):
            clip.value = 0.01 if self.w["loss"].value == "wgan" else 0.0
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
        with self._lock, torch_threads(self.threads):
            {"d": self.run.d_step, "g": self.run.g_step, "round": self._round}[which]()
        self.redraw()

    @property
    def training(self):
        return self._thread is not None and self._thread.is_alive()

    def train(self):
        """Start (or resume) training in a background thread; returns immediately."""
        if self.training or self.run is None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="TrainingLab")
        self._thread.start()
        self.buttons["train"].disabled = True

    def pause(self, timeout=0.5):
        """Ask the thread to stop; it finishes the current round and keeps all state."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.buttons["train"].disabled = False
        self._show_status("paused")

    def _loop(self):
        if self.threads:
            torch.set_num_threads(self.threads)       # this thread only (OpenMP is per thread)
        try:
            self._train_loop()
        except Exception as err:  # noqa: BLE001 — reported in the widget, not a traceback
            self._say(f"Training stopped: {type(err).__name__}: {err}", "error")
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
        r, dt = self.run, (self.draw_times or [0.0])[-1]
        state = state or ("training" if self.training and not self._stop.is_set() else "paused")
        self.status.value = (f"<small>G steps {r.rounds} · D steps {r.d_updates} · {state} · "
                             f"redraw {1000 * dt:.0f} ms</small>")

    # -- checkpoints ---------------------------------------------------------------------------
    def _save(self):
        with self._lock:
            self.run.trainer.save(self.path.value)
        self._say(f"Saved step {self.run.rounds} to {self.path.value}.")

    def _load(self):
        from ganlib.train import Trainer
        if not os.path.exists(self.path.value):
            return self._say(f"checkpoint {self.path.value!r} does not exist", "error")
        self.pause()
        with self._lock:
            run = LabRun(self.knobs)
            run.trainer = Trainer.load(self.path.value, run.G, run.D, run.data)
            run.rounds = int(run.trainer.step)
            self.run = run
            self._new_view()
        self._say(f"Loaded {self.path.value} (step {run.rounds}).")
        self.redraw()

    # -- display -------------------------------------------------------------------------------
    def static_html(self, steps=200, frames=20):
        """Prerecorded run (to_jshtml animation) + a note that the live lab needs a kernel."""
        k, problem = self.knobs, check_knobs(self.knobs)
        if problem:
            return f"<p>Training lab: refused: {html.escape(problem)}</p>"
        note = ('<p class="ganlib-training-lab"><b>Training lab — prerecorded run</b> '
                f"({steps} G steps, {kind_of(k['dataset'])} data, loss={k['loss']}"
                + (f", pinned: {html.escape(str(self.compare))}" if self.compare else "")
                + "). The live lab with knobs needs a running Python kernel: open this page "
                "in Jupyter, Colab or Binder with the launch button (rocket icon) at the top, "
                f'or <a href="https://mybinder.org/v2/gh/{REPO}/HEAD">launch on Binder</a>.</p>')
        runs = lambda: ([LabRun({**k, **self.compare})] if self.compare else []) + [LabRun(k)]
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

