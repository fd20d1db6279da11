// The organiser's check-in screen: reload when the code rotates, so the screen
// always shows the code of the moment (the page reads it from the server).
(function () {
  "use strict";
  var screen = document.getElementById("code-screen");
  if (!screen) { return; }
  var left = parseInt(screen.getAttribute("data-seconds-left"), 10);
  if (!(left > 0)) { left = 30; }
  window.setTimeout(function () { window.location.reload(); }, (left + 1) * 1000);
}());
