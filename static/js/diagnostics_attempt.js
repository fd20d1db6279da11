// The diagnostic test page: loads the attempt from the API, shows a countdown by the
// server's clock, saves every answer as it is given (and again after a lost connection),
// and goes to the result page when the time is up or the teacher submits.
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) return;
  var api = root.dataset.api;
  var msg = root.dataset;
  var offset = 0; // server clock minus this device's clock, in ms
  var deadline = 0;
  var pending = {}; // url -> body not yet saved
  var finished = false;

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function state(text) {
    document.getElementById("save-state").textContent = text;
  }

  function done() {
    if (finished) return;
    finished = true;
    window.location.assign(root.dataset.result);
  }

  function flush() {
    return Promise.all(Object.keys(pending).map(function (url) {
      var body = pending[url];
      state(msg.msgSaving);
      return send("PUT", url, body)
        .then(function (response) {
          if (pending[url] === body) delete pending[url];
          if (response.ok) {
            state(msg.msgSaved);
          } else if (response.status === 409) {
            return response.json().then(function (data) {
              state(data.detail || msg.msgTimeup);
              setTimeout(done, 1500);
            });
          } else {
            return response.json().then(function (data) {
              state(data.detail || "");
            });
          }
        })
        .catch(function () {
          state(msg.msgOffline);
        });
    }));
  }
  setInterval(function () {
    if (Object.keys(pending).length) flush();
  }, 3000);

  function save(versionId, response) {
    pending[api + "answers/" + versionId + "/"] = { response: response };
    flush();
  }

  function saveQuestion(questionId, body) {
    pending[api + "questionnaire/" + questionId + "/"] = body;
    flush();
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function option(type, name, value, label, checked) {
    var wrap = el("label", { class: "option" });
    var input = el("input", { type: type, name: name, value: value });
    input.checked = !!checked;
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(" " + label));
    return wrap;
  }

  function renderItem(item, answer) {
    var li = el("li", { class: "item", id: "item-" + item.version_id, "data-type": item.type });
    var text = el("div", { class: "item-text", "data-math": "" });
    text.innerHTML = item.text; // sanitised by the question bank
    li.appendChild(text);
    var name = "v" + item.version_id;
    answer = answer || {};
    if (item.type === "single" || item.type === "multiple") {
      var multiple = item.type === "multiple";
      var chosen = multiple ? answer.choices || [] : [answer.choice];
      item.choices.forEach(function (c) {
        li.appendChild(option(multiple ? "checkbox" : "radio", name, c.id, c.text, chosen.indexOf(c.id) >= 0));
      });
      li.addEventListener("change", function () {
        var picked = Array.prototype.map.call(li.querySelectorAll("input:checked"), function (i) {
          return i.value;
        });
        save(item.version_id, multiple ? { choices: picked } : { choice: picked[0] || "" });
      });
    } else if (item.type === "matching") {
      var pairs = answer.pairs || {};
      item.left.forEach(function (row) {
        var label = el("label", { class: "pair" }, row.text + " → ");
        var select = el("select", { "data-left": row.id });
        select.appendChild(el("option", { value: "" }, "—"));
        item.right.forEach(function (r) {
          var o = el("option", { value: r.id }, r.text);
          if (pairs[row.id] === r.id) o.selected = true;
          select.appendChild(o);
        });
        label.appendChild(select);
        li.appendChild(label);
      });
      li.addEventListener("change", function () {
        var chosenPairs = {};
        li.querySelectorAll("select").forEach(function (s) {
          if (s.value) chosenPairs[s.dataset.left] = s.value;
        });
        save(item.version_id, { pairs: chosenPairs });
      });
    } else {
      var field = item.type === "extended" ? "text" : item.type === "numeric" ? "value" : "text";
      var input = item.type === "extended" ? el("textarea", { rows: "8", name: name }) : el("input", { type: "text", name: name, inputmode: item.type === "numeric" ? "decimal" : "text" });
      input.value = answer[field] || "";
      li.appendChild(input);
      if (item.unit) li.appendChild(document.createTextNode(" " + item.unit));
      var timer = null;
      var saveNow = function () {
        clearTimeout(timer);
        var body = {};
        body[field] = input.value;
        save(item.version_id, body);
      };
      input.addEventListener("input", function () {
        // Typing: saved after a short pause (or when the field is left), shown as "saving" meanwhile.
        state(msg.msgSaving);
        clearTimeout(timer);
        timer = setTimeout(saveNow, 600);
      });
      input.addEventListener("change", saveNow);
    }
    return li;
  }

  function renderQuestion(q) {
    var li = el("li", { class: "question", id: "question-" + q.id });
    li.appendChild(el("p", {}, q.text));
    var a = q.answer || {};
    var name = "q" + q.id;
    if (q.kind === "scale") {
      [0, 1, 2].forEach(function (level) {
        li.appendChild(option("radio", name, String(level), msg["msgLevel" + level], a.level === level));
      });
      li.addEventListener("change", function () {
        var picked = li.querySelector("input:checked");
        if (picked) saveQuestion(q.id, { level: Number(picked.value) });
      });
    } else if (q.kind === "choice") {
      q.choices.forEach(function (c) {
        li.appendChild(option("radio", name, c, c, a.choice === c));
      });
      li.addEventListener("change", function () {
        var picked = li.querySelector("input:checked");
        if (picked) saveQuestion(q.id, { choice: picked.value });
      });
    } else {
      var area = el("textarea", { rows: "3", name: name });
      area.value = a.text || "";
      area.addEventListener("change", function () {
        saveQuestion(q.id, { text: area.value });
      });
      li.appendChild(area);
    }
    return li;
  }

  function tick() {
    var raw = deadline - (Date.now() + offset);
    var left = Math.max(0, raw);
    var minutes = Math.floor(left / 60000);
    var seconds = Math.floor((left % 60000) / 1000);
    document.getElementById("countdown").textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    // A second past zero, so the server surely sees the deadline passed (an automatic submission).
    if (raw <= -1000 && !finished) {
      state(msg.msgTimeup);
      // The server submits it at the deadline anyway; asking now only saves the wait.
      send("POST", api + "submit/").then(done, done);
      return;
    }
    setTimeout(tick, 500);
  }

  send("GET", api)
    .then(function (response) {
      return response.json();
    })
    .then(function (attempt) {
      offset = Date.parse(attempt.server_now) - Date.now();
      deadline = Date.parse(attempt.deadline);
      if (attempt.status !== "in_progress") return done();
      var list = document.getElementById("items");
      attempt.items.forEach(function (item) {
        list.appendChild(renderItem(item, attempt.answers[String(item.version_id)]));
      });
      if (attempt.questionnaire.length) {
        var questions = document.getElementById("questions");
        attempt.questionnaire.forEach(function (q) {
          questions.appendChild(renderQuestion(q));
        });
        document.getElementById("questionnaire").hidden = false;
      }
      if (window.tutornetRenderMath) window.tutornetRenderMath(list);
      tick();
    });

  document.getElementById("submit").addEventListener("click", function () {
    if (!window.confirm(msg.msgConfirm)) return;
    flush().then(function () {
      return send("POST", api + "submit/");
    }).then(done, done);
  });
})();
