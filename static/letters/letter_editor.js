// The letter editor (templates/letters/letter_edit.html). Without this script each tool is a
// plain form: the cite search opens its own page, "Insert" and "Cite" append to the saved
// text, "Preview" posts the form into the preview frame. With it:
// - the cite search shows its results as one types, and "Cite" puts the footnote marker at
//   the cursor in the body;
// - "Insert" puts the sentence about the chosen fact at the cursor;
// - the preview follows the form as one types (the PDF's own HTML, from the server).
(function () {
  "use strict";

  function body() { return document.getElementById("id_body"); }

  // Put `text` at the cursor of the body (replacing any selection) and tell the preview.
  function insertAtCursor(text, asParagraph) {
    var area = body();
    if (!area) return;
    var start = area.selectionStart, end = area.selectionEnd;
    if (typeof start !== "number") { start = end = area.value.length; }
    var before = area.value.slice(0, start), after = area.value.slice(end);
    if (asParagraph) {
      if (before && !/\s$/.test(before)) text = " " + text;
      if (after && !/^\s/.test(after)) text = text + " ";
    }
    area.value = before + text + after;
    var caret = before.length + text.length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function fetchText(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); });
  }

  function attachCite(form) {
    var input = form.querySelector("input[type=search]");
    var results = document.getElementById("cite-results");
    if (!input || !results) return;
    var timer = null, asked = 0;
    function show() {
      var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
      var mine = ++asked;
      fetchText(url).then(function (html) { if (mine === asked) results.innerHTML = html; })
        .catch(function () { /* the Search button still opens the cite page */ });
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(show, 250);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      show();
    });
    results.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-citation]");
      if (!button) return;
      event.preventDefault();
      insertAtCursor(button.dataset.citation, false);
      results.innerHTML = "";
      input.value = "";
    });
  }

  function attachFact(form) {
    form.addEventListener("submit", function (event) {
      var choice = form.querySelector("select[name=fact]");
      if (!choice || !choice.value) return;  // the server says "choose a fact"
      event.preventDefault();
      fetchText(form.action + "?" + new URLSearchParams({ fact: choice.value }).toString())
        .then(function (sentence) { insertAtCursor(sentence, true); choice.value = ""; })
        .catch(function () { form.submit(); });
    });
  }

  function attachPreview(form) {
    var button = document.getElementById("preview-button");
    if (!button || !form.requestSubmit) return;
    var timer = null;
    function refresh() { form.requestSubmit(button); }
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 700);
    });
    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 200);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-cite]").forEach(attachCite);
    document.querySelectorAll("form[data-fact]").forEach(attachFact);
    var text = document.getElementById("letter-text");
    if (text) attachPreview(text);
  });
})();
