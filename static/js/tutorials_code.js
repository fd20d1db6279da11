// The organiser's check-in code screen: fetch the current code every few seconds
// (a static file: the pages carry no inline script, for the coming CSP).
(function () {
  "use strict";
  var screen = document.querySelector("[data-code-url]");
  if (!screen) { return; }
  var url = screen.getAttribute("data-code-url");
  var codeEl = screen.querySelector("[data-code]");
  var secondsEl = screen.querySelector("[data-seconds]");
  var left = parseInt(secondsEl ? secondsEl.textContent : "30", 10) || 30;

  function refresh() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        codeEl.textContent = data.code;
        left = data.seconds_left;
        if (secondsEl) { secondsEl.textContent = String(left); }
      })
      .catch(function () { /* keep the last code; try again on the next tick */ });
  }

  setInterval(function () {
    left -= 1;
    if (left <= 0) { refresh(); left = 30; }
    if (secondsEl) { secondsEl.textContent = String(Math.max(left, 0)); }
  }, 1000);
  setInterval(refresh, 10000);
})();
