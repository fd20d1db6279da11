// Live free places of consultation slots (issue 3, "Live").
//
// An element with `data-slots-ws` opens a WebSocket to /ws/slots/.  Its value is
// the path with the query ("/ws/slots/?tutor=12" or "?offering=7"); when empty,
// the query is built from its `data-tutor` or `data-offering` attribute.
// Each message {"type": "slot", "id", "free", "capacity", "booked"} updates every
// `[data-slot-id="<id>"]` element of the page:
//   * attribute data-free, and the text of its `.free` child;
//   * class `full` when no place is left (removed when a place is free again);
//   * its `button`s disabled while full, enabled again when a place is free.
// Reconnects with back-off; a refusal (close code 44xx) is final.  The page works
// without it.  After a reconnect the element gets a `slots:resync` event (updates
// may have been missed meanwhile); every update also fires `slots:update` on the
// slot's elements, for pages that show more.
(function () {
  "use strict";

  function socketPath(element) {
    var path = element.getAttribute("data-slots-ws");
    if (path) { return path; }
    var tutor = element.getAttribute("data-tutor");
    var offering = element.getAttribute("data-offering");
    if (tutor) { return "/ws/slots/?tutor=" + encodeURIComponent(tutor); }
    if (offering) { return "/ws/slots/?offering=" + encodeURIComponent(offering); }
    return null;
  }

  function applySlot(data) {
    var free = Number(data.free);
    if (!isFinite(free) || free < 0) { return; }
    var selector = '[data-slot-id="' + String(parseInt(data.id, 10)) + '"]';
    var elements = document.querySelectorAll(selector);
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      element.setAttribute("data-free", String(free));
      var counters = element.querySelectorAll(".free");
      for (var j = 0; j < counters.length; j++) { counters[j].textContent = String(free); }
      if (free === 0) { element.classList.add("full"); } else { element.classList.remove("full"); }
      var buttons = element.querySelectorAll("button");
      for (var k = 0; k < buttons.length; k++) { buttons[k].disabled = free === 0; }
      if (typeof window.CustomEvent === "function") {
        element.dispatchEvent(new CustomEvent("slots:update", { bubbles: true, detail: data }));
      }
    }
  }

  function connect(element, delay, reconnecting) {
    var path = socketPath(element);
    if (!path || !window.WebSocket) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    socket.onopen = function () {
      delay = 1000;
      element.setAttribute("data-live", "1");
      if (reconnecting && typeof window.CustomEvent === "function") {
        element.dispatchEvent(new CustomEvent("slots:resync", { bubbles: true }));
      }
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      if (data && data.type === "slot") { applySlot(data); }
    };
    socket.onclose = function (event) {
      element.removeAttribute("data-live");
      // Refused (unknown host, signed out, not allowed here, bad query): the
      // server accepts and then closes with 44xx so that the code reaches us.
      if (event.code >= 4400 && event.code < 4500) { return; }
      var wait = delay + Math.floor(Math.random() * 500);  // not every page at once
      setTimeout(function () { connect(element, Math.min(delay * 2, 30000), true); }, wait);
    };
  }

  function start() {
    var elements = document.querySelectorAll("[data-slots-ws]");
    for (var i = 0; i < elements.length; i++) { connect(elements[i], 1000, false); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  window.TutornetSlots = { apply: applySlot };
})();
