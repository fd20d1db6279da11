// Scripts run: the CSS may hide what a button now shows (the phone menu).
document.documentElement.classList.add("js");

// The notification bell: a WebSocket to /ws/notifications/ keeps the unread
// count live.  Reconnects with back-off; the page works without it.
(function () {
  "use strict";
  function connect(bell, delay) {
    var path = bell.getAttribute("data-ws");
    if (!path || !window.WebSocket) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    var badge = bell.querySelector("[data-unread]");
    socket.onopen = function () { delay = 1000; bell.setAttribute("data-live", "1"); };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (badge && typeof data.unread === "number") { badge.textContent = data.unread > 0 ? String(data.unread) : ""; }
      if (data.type === "notification") {
        bell.setAttribute("title", data.subject);
        var list = document.querySelector("[data-live-notifications]");
        if (list) {
          var item = document.createElement("li");
          item.className = "unread";
          // Text only, never HTML: the subject is user-influenced.
          if (data.link && /^(https?:\/\/|\/(?!\/))/.test(data.link)) {
            var anchor = document.createElement("a");
            anchor.href = data.link;
            anchor.textContent = data.subject;
            item.appendChild(anchor);
          } else {
            item.textContent = data.subject;
          }
          list.insertBefore(item, list.firstChild);
        }
      }
    };
    socket.onclose = function (event) {
      bell.removeAttribute("data-live");
      // Refused (unknown host, signed out, not a member): the server accepts and
      // then closes with 44xx so that the code reaches us.  Do not retry those.
      if (event.code >= 4400 && event.code < 4500) { return; }
      setTimeout(function () { connect(bell, Math.min(delay * 2, 30000)); }, delay);
    };
  }
  document.addEventListener("DOMContentLoaded", function () {
    var bell = document.querySelector(".bell[data-ws]");
    if (bell) { connect(bell, 1000); }
  });
})();

// A form with data-confirm (deleting something) asks before it is sent.
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});

// Instead of inline handlers (the Content-Security-Policy allows no inline script):
// a <select data-autosubmit> sends its form when changed; an input with
// data-select-on-click selects its whole text when clicked (a URL to copy).
document.addEventListener("change", function (event) {
  "use strict";
  var field = event.target;
  if (field && field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) { field.form.submit(); }
});
document.addEventListener("click", function (event) {
  "use strict";
  var field = event.target;
  if (field && field.hasAttribute && field.hasAttribute("data-select-on-click")) { field.select(); }
});
// The header's sections collapse into a menu on a phone: the button shows and hides them.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("section-nav");
  if (!button || !nav) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      nav.classList.remove("open");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
});
