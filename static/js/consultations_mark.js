// «Сохранить» on the tutor's week (/consultations/calendar/): the mark is posted in the
// background and only its row changes; before, every mark reloaded and re-rendered the whole
// week (bench/mark_held.py measures both).  Without JavaScript the form posts as before.
(function () {
  "use strict";
  function markInPlace(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      var result = form.querySelector(".mark-result");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
        .then(function (answer) {
          if (button) { button.disabled = false; }
          if (result) {
            result.textContent = answer.ok ? answer.data.message : answer.data.error;
            result.className = "mark-result " + (answer.ok ? "success" : "error");
          }
          if (answer.ok) {
            var row = form.closest(".booking");
            var badge = row && row.querySelector(".status");
            if (badge) {
              badge.textContent = answer.data.status_display;
              badge.className = "status status-" + answer.data.status;
            }
          }
        })
        .catch(function () { form.submit(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-mark]").forEach(markInPlace);
  });
})();
