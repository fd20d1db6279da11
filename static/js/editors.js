// Real editors for the case-material form (no inline script: CSP).
//   textarea[data-rich-text] -> Quill 2 (static/vendor/quill, BSD-3-Clause): toolbar with
//     headings, lists, tables, links, images with alt text; Quill's clipboard turns text
//     pasted from Word into its own clean structure.  The HTML goes back into the textarea on
//     submit, and the server sanitises it (casebank.services.common.sanitise_html).
//   select[multiple][data-tags] -> Tom Select (static/vendor/tom-select, Apache-2.0):
//     searchable tags that work by touch and by keyboard (type, Enter; Backspace removes).
//     Forms declare such a field with portal.widgets.TagSelect; templates include
//     portal/_tags_head.html (or _editors_head.html, which also brings Quill).
(function () {
  "use strict";
  var script = document.currentScript;
  function word(name, fallback) { return (script && script.getAttribute("data-" + name)) || fallback; }

  // A picture is uploaded to the organisation's own site (portal.pictures: checked by content,
  // re-encoded, served to its people only) and inserted by its address; the sanitiser keeps no
  // other image source, so neither pasted data: URLs nor other sites' pictures survive saving.
  function chooseImage(quill, textarea) {
    var uploadUrl = word("upload-url", "");
    var tokenInput = textarea.form && textarea.form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!uploadUrl || !tokenInput) { return; }
    var input = document.createElement("input");
    input.type = "file";
    input.accept = "image/png,image/jpeg,image/gif";
    input.addEventListener("change", function () {
      if (!input.files || !input.files[0]) { return; }
      var range = quill.getSelection(true);
      var body = new FormData();
      body.append("image", input.files[0]);
      fetch(uploadUrl, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": tokenInput.value } })
        .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
        .then(function (result) {
          if (!result.ok || !result.data.url) {
            window.alert(result.data.error || word("upload-failed", "The picture was not uploaded."));
            return;
          }
          var alt = window.prompt(word("alt-prompt", "Describe the image"), "") || "";
          quill.insertEmbed(range.index, "image", result.data.url, "user");
          quill.formatText(range.index, 1, "alt", alt, "user");
          quill.setSelection(range.index + 1, 0);
        })
        .catch(function () { window.alert(word("upload-failed", "The picture was not uploaded.")); });
    });
    input.click();
  }

  function richText(textarea) {
    if (!window.Quill) { return; }
    var holder = document.createElement("div");
    holder.className = "rich-text";
    textarea.parentNode.insertBefore(holder, textarea);
    textarea.hidden = true;
    var quill = new window.Quill(holder, {
      theme: "snow",
      modules: {
        table: true,
        // Tab moves the focus on to the next field (no keyboard trap; issue 14): Quill's own
        // "tab" binding would type a tab character. Tab in a list still indents it.
        keyboard: { bindings: { tab: { key: "Tab", handler: function () { return true; } } } },
        toolbar: {
          container: [
            [{ header: [2, 3, false] }],
            ["bold", "italic", "underline"],
            [{ list: "ordered" }, { list: "bullet" }],
            ["link", "image", "table"],
            ["clean"],
          ],
          handlers: {
            image: function () { chooseImage(quill, textarea); },
            table: function () { quill.getModule("table").insertTable(2, 2); },
          },
        },
      },
    });
    if (textarea.value) {
      quill.clipboard.dangerouslyPasteHTML(textarea.value);  // the server sanitised it when saved
    }
    var editor = holder.querySelector(".ql-editor");
    if (editor) {
      var label = document.querySelector("label[for='" + textarea.id + "']");
      // The field's own label names the editor (a material's text, a tutorial's description...).
      editor.setAttribute("aria-label", label ? label.textContent.replace(/:\s*$/, "").trim() : word("editor-label", "Text"));
      editor.setAttribute("role", "textbox");
      editor.setAttribute("aria-multiline", "true");
      if (label) { label.addEventListener("click", function () { quill.focus(); }); }
    }
    var table = holder.parentNode.querySelector(".ql-table");
    if (table) { table.setAttribute("aria-label", word("table-label", "Insert a table")); }
    holder.parentNode.querySelectorAll(".ql-toolbar button, .ql-toolbar .ql-picker-label").forEach(function (control) {
      if (!control.getAttribute("aria-label")) {
        var name = (control.className.match(/ql-(\w+)/) || [])[1] || "";
        var value = control.getAttribute("value");
        control.setAttribute("aria-label", name + (value ? " " + value : ""));
      }
    });
    textarea.form.addEventListener("submit", function () {
      // Quill 2.0's semantic HTML writes every space as a no-break space (quill#4509): words
      // would never wrap and search would not split them.
      textarea.value = quill.getLength() > 1 ? quill.getSemanticHTML().replace(/&nbsp;|\u00a0/g, " ") : "";
    });
  }

  function tags(select) {
    if (!window.TomSelect) { return; }
    // Its name: the field's label, else the legend or summary that heads it (the campaign wizard).
    var label = document.querySelector("label[for='" + select.id + "']");
    var heading = select.closest("details") ? select.closest("details").querySelector("summary") : null;
    if (!heading && select.closest("fieldset")) { heading = select.closest("fieldset").querySelector("legend"); }
    label = label || heading;
    var control = new window.TomSelect(select, {
      plugins: ["remove_button"],
      maxOptions: 500,
      hidePlaceholder: true,
      // «Nothing found» sits in the list (role listbox), so it is an option that cannot be chosen.
      render: { no_results: function () { var d = document.createElement("div"); d.className = "no-results"; d.setAttribute("role", "option"); d.setAttribute("aria-disabled", "true"); d.textContent = word("no-results", "Nothing found"); return d; } },
    });
    // Once the last option is a tag, close the list rather than leave an empty listbox open.
    control.on("item_add", function () {
      if (!control.dropdown_content.querySelector("[data-selectable]")) { control.close(); }
    });
    if (label) {
      // Tom Select moves the label onto its own input; the original select keeps a name too.
      select.setAttribute("aria-label", label.textContent.trim());
      if (control.control_input) { control.control_input.setAttribute("aria-label", label.textContent.trim()); }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-rich-text]").forEach(richText);
    document.querySelectorAll("select[multiple][data-tags]").forEach(tags);
  });
})();
