// The Help Hour export's progress: poll the small JSON status endpoint every
// second until the XLSX is ready (then show the download link) or failed.
(function () {
  "use strict";
  var box = document.getElementById("export");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("[data-export-progress]");
  var percent = box.querySelector("[data-export-percent]");
  var label = box.querySelector("[data-export-label]");
  var ready = box.querySelector("[data-export-ready]");
  var failed = box.querySelector("[data-export-error]");

  function show(data) {
    box.setAttribute("data-state", data.state);
    if (bar) { bar.value = data.progress; }
    if (percent) { percent.textContent = data.progress + "%"; }
    if (label) { label.textContent = data.state_label; }
    if (data.ready && ready) {
      var link = ready.querySelector("a");
      if (link && data.download_url) { link.href = data.download_url; }
      ready.hidden = false;
    }
    if (data.state === "failed" && failed) { failed.hidden = false; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.state !== "done" && data.state !== "failed") { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  var state = box.getAttribute("data-state");
  if (state !== "done" && state !== "failed") { window.setTimeout(poll, 1000); }
}());
