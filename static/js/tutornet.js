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

// A form with data-confirm (a destructive action) asks first, in a dialog that says what
// follows: data-confirm is the question, data-confirm-detail what happens next,
// data-confirm-yes / data-confirm-no the buttons' words.  With data-confirm-reason the
// dialog also offers an optional reason, copied into the form's field of that name.
(function () {
  "use strict";
  function text(tag, className, content) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    element.textContent = content || "";  // text only: the strings may hold people's names
    return element;
  }
  function ask(form, submitter) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    var title = text("h2", "", form.getAttribute("data-confirm"));
    title.id = "confirm-dialog-title";
    dialog.appendChild(title);
    var detail = form.getAttribute("data-confirm-detail");
    if (detail) { dialog.appendChild(text("p", "confirm-detail", detail)); }
    var reasonName = form.getAttribute("data-confirm-reason");
    var reason = null;
    if (reasonName) {
      var label = text("label", "", form.getAttribute("data-confirm-reason-label") || "");
      label.setAttribute("for", "confirm-dialog-reason");
      reason = document.createElement("textarea");
      reason.id = "confirm-dialog-reason";
      reason.rows = 2;
      reason.maxLength = 300;
      dialog.appendChild(label);
      dialog.appendChild(reason);
    }
    var buttons = text("p", "confirm-buttons");
    var yes = text("button", "danger", form.getAttribute("data-confirm-yes") || (submitter && submitter.textContent) || "OK");
    yes.type = "button";
    var no = text("button", "secondary", form.getAttribute("data-confirm-no") || "×");
    no.type = "button";
    buttons.appendChild(yes);
    buttons.appendChild(no);
    dialog.appendChild(buttons);
    document.body.appendChild(dialog);
    function close() { dialog.close(); dialog.remove(); if (submitter) { submitter.focus(); } }
    no.addEventListener("click", close);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
    yes.addEventListener("click", function () {
      if (reason) {
        var field = form.querySelector("[name='" + reasonName + "']");
        if (!field) {
          field = document.createElement("input");
          field.type = "hidden";
          field.name = reasonName;
          form.appendChild(field);
        }
        field.value = reason.value;
      }
      form.setAttribute("data-confirmed", "1");
      dialog.close();
      dialog.remove();
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    });
    dialog.showModal();
    (reason || no).focus();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.getAttribute || !form.getAttribute("data-confirm")) { return; }
    if (form.getAttribute("data-confirmed") === "1") { form.removeAttribute("data-confirmed"); return; }
    event.preventDefault();
    if (typeof HTMLDialogElement === "function") {
      ask(form, event.submitter || form.querySelector("[type=submit]"));
    } else if (window.confirm(form.getAttribute("data-confirm"))) {
      form.setAttribute("data-confirmed", "1");
      form.submit();
    }
  });
})();

// Instead of inline handlers (the Content-Security-Policy allows no inline script):
// a <select data-autosubmit> sends its form when changed by pointer or touch; an input with
// data-select-on-click selects its whole text when clicked (a URL to copy).
// By keyboard the arrows only choose (a page reload at each option would lose the focus and
// the place: WCAG 3.2.2 "On input"); Enter on the select, or its form's button, sends it.
document.addEventListener("keydown", function (event) {
  "use strict";
  var field = event.target;
  if (!(field && field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form)) { return; }
  if (event.key === "Enter") {
    event.preventDefault();
    field.form.submit();
  } else if (event.key !== "Tab") {
    field.setAttribute("data-keyed", "1");
  }
});
document.addEventListener("change", function (event) {
  "use strict";
  var field = event.target;
  if (!(field && field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form)) { return; }
  if (field.hasAttribute("data-keyed")) { return; }
  field.form.submit();
});
document.addEventListener("mousedown", function (event) {
  "use strict";
  var field = event.target && event.target.closest ? event.target.closest("select[data-keyed]") : null;
  if (field) { field.removeAttribute("data-keyed"); }
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

// A form with data-submit-on-load (the hand-over of a sign-in to another portal) is sent
// as soon as the page is ready; without script the person presses its button.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.querySelector("form[data-submit-on-load]");
  if (form) { form.submit(); }
});
