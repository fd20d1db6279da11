// Formulas of the question bank: KaTeX (vendored in static/vendor/katex) renders the LaTeX
// between \( \), \[ \], $ $ and $$ $$ inside every element marked data-math.
// A static file, no inline script (the Content-Security-Policy allows 'self' only).
(function () {
  "use strict";
  var DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
    { left: "$", right: "$", display: false }
  ];
  function render(root) {
    if (typeof window.renderMathInElement !== "function") { return; }
    var blocks = (root || document).querySelectorAll("[data-math]");
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].getAttribute("data-math-done")) { continue; }
      window.renderMathInElement(blocks[i], { delimiters: DELIMITERS, throwOnError: false, strict: "ignore" });
      blocks[i].setAttribute("data-math-done", "1");
    }
  }
  window.tutornetRenderMath = render;  // pages that add items later (the test page) call it again
  document.addEventListener("DOMContentLoaded", function () { render(document); });
})();
