// Loaded before the widget renderer (@jupyter-widgets/html-manager's embed-amd.js) on
// pages with ipywidgets; tools/book/widgets.py copies it to _static/widgets/setup.js.
(function () {
  "use strict";
  // 1. The renderer's CSS loads its icon fonts from beside the renderer's module address,
  //    which RequireJS would otherwise place under the page's own folder
  //    (notebooks/@jupyter-widgets/html-manager/dist/). They lie beside embed-amd.js.
  window.requirejs.config({
    paths: {"@jupyter-widgets/html-manager/dist": new URL("html-manager", document.currentScript.src).href},
  });

  // 2. The renderer typesets widget text with MathJax 2 (MathJax.Hub.Queue); the site
  //    runs MathJax 3, which has no Hub. Once MathJax 3 is there (the page's load event,
  //    before the renderer draws), hand such calls to MathJax 3's typesetPromise.
  window.addEventListener("load", function () {
    const mathjax = window.MathJax;
    if (mathjax && !mathjax.Hub && mathjax.typesetPromise) {
      mathjax.Hub = {
        Queue: function (job) {  // job = ["Typeset", MathJax.Hub, element]
          mathjax.typesetPromise([job[2]]);
        },
      };
    }
  });
})();
