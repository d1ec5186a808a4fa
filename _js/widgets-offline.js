// Loaded before the ipywidgets embedder on pages with widgets (nb_ipywidgets_js in _config.yml).
// 1. The embedder is loaded from this book's _static/html-manager/ (not a CDN); tell require.js
//    so, so that webpack's public path (and with it the widget fonts) resolves there too.
// 2. The widgets still call the MathJax 2 API (MathJax.Hub.Queue); the book serves MathJax 3.
(function () {
  var base = document.currentScript.src.replace(/[^\/]*$/, "");
  if (window.require && window.require.config) {
    window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": base + "html-manager" } });
  }
  function shim() {
    var mj = window.MathJax;
    if (mj && !mj.Hub && mj.version && mj.version[0] === "3") {
      mj.Hub = {
        Queue: function (job) {
          var el = job && job[2];
          if (mj.typesetPromise) { mj.typesetPromise(el ? [el] : undefined); }
        },
      };
    }
  }
  shim();
  document.addEventListener("DOMContentLoaded", shim);
})();
