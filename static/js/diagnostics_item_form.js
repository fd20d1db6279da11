// The item form shows only the fields of the item's type (without JavaScript all are shown,
// each labelled with its type, and the server ignores the others).
(function () {
  "use strict";
  var FIELDS = {
    single: ["options"], multiple: ["options", "scoring"], short: ["answers"],
    numeric: ["value", "tolerance", "unit"], matching: ["pairs", "distractors", "scoring"], extended: ["rubric"]
  };
  var ALL = ["options", "answers", "value", "tolerance", "unit", "pairs", "distractors", "scoring", "rubric"];
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.item-form[data-kind]");
    if (!form) { return; }
    var keep = FIELDS[form.getAttribute("data-kind")] || [];
    ALL.forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      var wrap = input && input.closest(".field");
      if (wrap && keep.indexOf(name) < 0) { wrap.hidden = true; }
    });
  });
})();
