// The static book's interactive figures and training explorers (issue 10). Loaded by every page
// (html_js_files in _config.yml); it drives every element of class "ganlib-explorer" from the
// JSON embedded in it (<script type="application/json" data-role="runs">), with no kernel and
// no network. Two kinds, written by Python:
//  * "figure"   (ganlib/interact.py): one precomputed image set per point of the knob grid;
//  * "training" (ganlib/explorer.py): a grid of recorded training runs; each knob selects a
//    run, the step scrubber (data-role="step") a recorded step, and the canvases draw the
//    samples over D's heat map, G's gradient arrows and the loss / D(x) curves.
// Knob controls carry data-knob; their value is an index into the knob's values.
(function () {
  "use strict";
  var FONT = "12px sans-serif";

  function indexOf(root, data) {            // row-major index of the current knob setting
    var idx = 0;
    data.knobs.forEach(function (k) {
      var el = root.querySelector('[data-knob="' + k.name + '"]');
      idx = idx * k.values.length + (el ? parseInt(el.value, 10) : 0);
    });
    return idx;
  }

  function label(v) { return typeof v === "number" ? String(+v.toPrecision(4)) : String(v); }

  function showValues(root, data) {
    data.knobs.forEach(function (k) {
      var el = root.querySelector('[data-knob="' + k.name + '"]');
      var out = root.querySelector('output[data-value="' + k.name + '"]');
      if (el && out) { out.textContent = label(k.values[parseInt(el.value, 10)]); }
    });
  }

  // ------------------------------------------------------------------ interactive figures
  function initFigure(root, data) {
    var frameBox = root.querySelector('[data-role="frame"]');
    var textBox = root.querySelector('[data-role="text"]');
    function render() {
      var i = indexOf(root, data), f = data.frames[i];
      root.setAttribute("data-frame", i);
      showValues(root, data);
      frameBox.innerHTML = "";
      f.images.forEach(function (src) {
        var img = document.createElement("img");
        img.src = src; img.alt = root.getAttribute("data-explorer") + " (precomputed)";
        img.style.maxWidth = "100%";
        frameBox.appendChild(img);
      });
      textBox.textContent = f.text || "";
      textBox.style.display = f.text ? "" : "none";
    }
    root.querySelectorAll("[data-knob]").forEach(function (el) {
      el.addEventListener("input", render);
      el.addEventListener("change", render);
    });
    render();
  }

  // ------------------------------------------------------------------ training explorers
  function decode(b64) {                     // base64 -> Uint8Array
    var s = atob(b64), a = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) { a[i] = s.charCodeAt(i); }
    return a;
  }

  function lerp(c0, c1, t) {
    return [0, 1, 2].map(function (j) { return Math.round(c0[j] + (c1[j] - c0[j]) * t); });
  }

  function cmap(stops, t) {                  // piecewise-linear colour map, t in [0, 1]
    t = Math.max(0, Math.min(1, t));
    var n = stops.length - 1, i = Math.min(n - 1, Math.floor(t * n));
    return lerp(stops[i], stops[i + 1], t * n - i);
  }

  function rgb(c, a) { return "rgba(" + c[0] + "," + c[1] + "," + c[2] + "," + (a || 1) + ")"; }

  function drawPanel(cv, data, run, s) {
    var ctx = cv.getContext("2d"), W = cv.width, H = cv.height, ds = data.datasets[run.settings.dataset];
    var bar = 46, P = W - bar, lim = ds.lim, col = data.colors;
    var bx = P + 8, bw = 12, top = 18, bh = H - 36;   // D's scale: colour bar (2D) or axis (1D)
    ctx.clearRect(0, 0, W, H);
    ctx.font = FONT;
    var rec = run.steps[s];
    if (ds.dim === 2) {
      var X = function (x) { return (x + lim) / (2 * lim) * P; };
      var Y = function (y) { return H - (y + lim) / (2 * lim) * H; };
      var g = data.heat_n, heat = decode(rec.heat), cell = P / g;
      for (var r = 0; r < g; r++) {
        for (var c = 0; c < g; c++) {
          ctx.fillStyle = rgb(cmap(data.cmap, heat[r * g + c] / 255));
          ctx.fillRect(Math.floor(c * cell), Math.floor(H - (r + 1) * cell * H / P),
                       Math.ceil(cell) + 1, Math.ceil(cell * H / P) + 1);
        }
      }
      var pts = function (b64, color) {
        var q = decode(b64);
        ctx.fillStyle = color;
        for (var i = 0; i < q.length; i += 2) {
          var x = (q[i] / 255 * 2 - 1) * lim, y = (q[i + 1] / 255 * 2 - 1) * lim;
          ctx.beginPath(); ctx.arc(X(x), Y(y), 2, 0, 2 * Math.PI); ctx.fill();
        }
      };
      pts(ds.real, col.data);
      pts(rec.fake, col.model);
      var q = decode(rec.fake), a = decode(rec.arrows), L = 0.15 * lim;
      ctx.strokeStyle = col.grad; ctx.lineWidth = 1.2;
      for (var k = 0; k < a.length / 2; k++) {
        var x0 = (q[2 * k] / 255 * 2 - 1) * lim, y0 = (q[2 * k + 1] / 255 * 2 - 1) * lim;
        var u = (a[2 * k] - 127.5) / 127.5 * L, v = (a[2 * k + 1] - 127.5) / 127.5 * L;
        var x1 = X(x0 + u), y1 = Y(y0 + v), ang = Math.atan2(y1 - Y(y0), x1 - X(x0));
        ctx.beginPath(); ctx.moveTo(X(x0), Y(y0)); ctx.lineTo(x1, y1);
        ctx.lineTo(x1 - 4 * Math.cos(ang - 0.5), y1 - 4 * Math.sin(ang - 0.5));
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - 4 * Math.cos(ang + 0.5), y1 - 4 * Math.sin(ang + 0.5));
        ctx.stroke();
      }
    } else {                                  // 1D: p_data, histogram of G(z), D(x)
      var xs = ds.x, n = xs.length, pmax = ds.pmax;
      var X1 = function (i) { return i / (n - 1) * P; };
      var hist = decode(rec.hist), hb = hist.length, w = P / hb;
      ctx.fillStyle = rgb(hexrgb(col.model), 0.45);
      for (var b = 0; b < hb; b++) {
        var h = hist[b] / 255 * H;            // density / (1.3 max p_data), quantized
        ctx.fillRect(b * w, H - h, w - 1, h);
      }
      ctx.strokeStyle = col.data; ctx.lineWidth = 2; ctx.beginPath();
      ds.p.forEach(function (p, i) {
        var yy = H - p / (1.3 * pmax) * H;
        if (i) { ctx.lineTo(X1(i), yy); } else { ctx.moveTo(X1(i), yy); }
      });
      ctx.stroke();
      var d = decode(rec.heat);
      ctx.strokeStyle = col.D; ctx.beginPath();
      for (var j = 0; j < d.length; j++) {
        var xx = j / (d.length - 1) * P, yy2 = top + bh - d[j] / 255 * bh;
        if (j) { ctx.lineTo(xx, yy2); } else { ctx.moveTo(xx, yy2); }
      }
      ctx.stroke();
      ctx.fillStyle = "#000";
      ctx.fillText("x from " + label(xs[0]) + " to " + label(xs[n - 1]), 6, 16);
      [["p_data", col.data], ["G(z) histogram", col.model], ["D(x)", col.D]].forEach(
        function (e, j) { ctx.fillStyle = e[1]; ctx.fillText(e[0], 6, 34 + 16 * j); });
    }
    if (ds.dim === 2) {                       // colour bar: the heat map's scale at this step
      for (var t = 0; t < bh; t++) {
        ctx.fillStyle = rgb(cmap(data.cmap, 1 - t / bh));
        ctx.fillRect(bx, top + t, bw, 1);
      }
    } else {                                  // 1D: an axis for the D(x) curve, same span
      var ax = bx + bw / 2;
      ctx.strokeStyle = col.D; ctx.lineWidth = 2; ctx.beginPath();
      ctx.moveTo(ax, top); ctx.lineTo(ax, top + bh);
      ctx.moveTo(ax - 5, top); ctx.lineTo(ax + 5, top);
      ctx.moveTo(ax - 5, top + bh); ctx.lineTo(ax + 5, top + bh);
      ctx.stroke();
    }
    ctx.fillStyle = "#000";
    ctx.fillText(label(rec.d_range[1]), bx - 4, top - 4);
    ctx.fillText(label(rec.d_range[0]), bx - 4, top + bh + 14);
    ctx.save(); ctx.translate(W - 4, H / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText(data.d_label[run.settings.loss] || "D(x)", 0, 0);
    ctx.restore();
  }

  function hexrgb(h) {
    return [1, 3, 5].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }

  function drawCurves(cv, data, run, s, keys, title) {
    var ctx = cv.getContext("2d"), W = cv.width, H = cv.height, c = run.curves;
    var l = 44, r = 8, t = 20, b = 22;
    ctx.clearRect(0, 0, W, H);
    ctx.font = FONT; ctx.fillStyle = "#000";
    ctx.fillText(title, l, 14);
    var lo = Infinity, hi = -Infinity;
    keys.forEach(function (k) {
      c[k].forEach(function (v) { if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    });
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (hi - lo < 1e-9) { hi = lo + 1; }
    var n = c.step.length, smax = c.step[n - 1] || 1;
    var X = function (x) { return l + x / smax * (W - l - r); };
    var Y = function (y) { return t + (1 - (y - lo) / (hi - lo)) * (H - t - b); };
    ctx.strokeStyle = "#999"; ctx.strokeRect(l, t, W - l - r, H - t - b);
    ctx.fillText(label(hi), 2, t + 10); ctx.fillText(label(lo), 2, H - b);
    ctx.fillText("G steps", W - 60, H - 4);
    keys.forEach(function (k, j) {
      ctx.strokeStyle = data.colors[k]; ctx.lineWidth = 1.5; ctx.beginPath();
      c[k].forEach(function (v, i) {
        if (!isFinite(v)) { return; }
        if (i) { ctx.lineTo(X(c.step[i]), Y(v)); } else { ctx.moveTo(X(c.step[i]), Y(v)); }
      });
      ctx.stroke();
      ctx.fillStyle = data.colors[k];
      ctx.fillText(data.curve_labels[k], l + 6 + 90 * j, H - 4);
    });
    var now = run.steps[s].step;             // current step marker
    ctx.strokeStyle = "#000"; ctx.setLineDash([3, 3]); ctx.beginPath();
    ctx.moveTo(X(now), t); ctx.lineTo(X(now), H - b); ctx.stroke(); ctx.setLineDash([]);
  }

  function fmt(key, v) {
    if (v === null || v === undefined) { return "–"; }
    if (key === "hq") { return (100 * v).toFixed(0) + "%"; }
    if (key === "w1") { return v.toFixed(3); }
    return String(v);
  }

  function initTraining(root, data) {
    var scrub = root.querySelector('[data-role="step"]');
    var play = root.querySelector('[data-role="play"]');
    var title = root.querySelector('[data-role="title"]');
    var stepOut = root.querySelector('[data-role="step-value"]');
    var panel = root.querySelector('canvas[data-role="panel"]');
    var loss = root.querySelector('canvas[data-role="loss"]');
    var dx = root.querySelector('canvas[data-role="dx"]');
    var timer = null;
    function render() {
      var i = indexOf(root, data), run = data.runs[i], s = parseInt(scrub.value, 10);
      s = Math.min(s, run.steps.length - 1);
      root.setAttribute("data-run", i);
      root.setAttribute("data-step", s);
      showValues(root, data);
      var rec = run.steps[s];
      title.textContent = run.title + " · step " + rec.step;
      stepOut.textContent = rec.step;
      drawPanel(panel, data, run, s);
      drawCurves(loss, data, run, s, ["loss_d", "loss_g"], "losses");
      drawCurves(dx, data, run, s, ["d_real", "d_fake"], data.d_label[run.settings.loss] + ": real, fake");
      ["modes", "hq", "w1"].forEach(function (k) {
        var el = root.querySelector('[data-readout="' + k + '"]');
        var box = root.querySelector('[data-readout-box="' + k + '"]');
        if (el) {                            // a readout this run lacks (1D: no modes) is hidden
          var v = rec[k], none = v === null || v === undefined;
          el.setAttribute("data-value", none ? "" : v);
          el.textContent = fmt(k, v) + (k === "modes" && !none ? "/" + run.n_modes : "");
          if (box) { box.style.display = (k in rec) ? "" : "none"; }
        }
      });
    }
    function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ play"; } }
    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (+scrub.value >= +scrub.max) { scrub.value = 0; }
      play.textContent = "❚❚ pause";
      timer = setInterval(function () {
        if (+scrub.value >= +scrub.max) { stop(); return; }
        scrub.value = +scrub.value + 1; render();
      }, 400);
    });
    root.querySelectorAll("[data-knob]").forEach(function (el) {
      el.addEventListener("input", render);
      el.addEventListener("change", render);
    });
    scrub.addEventListener("input", render);
    scrub.addEventListener("change", render);
    render();
  }

  function init() {
    document.querySelectorAll(".ganlib-explorer").forEach(function (root) {
      if (root.getAttribute("data-ready")) { return; }
      var script = root.querySelector('script[data-role="runs"]');
      if (!script) { return; }
      var data = JSON.parse(script.textContent);
      if (data.kind === "training") { initTraining(root, data); } else { initFigure(root, data); }
      root.setAttribute("data-ready", "1");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
  window.ganlibExplorers = init;
})();
