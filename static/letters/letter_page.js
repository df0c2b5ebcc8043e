// While a version is queued or rendering, refresh the versions table every two seconds.
(function () {
  "use strict";
  function poll() {
    var box = document.getElementById("letter-versions");
    if (!box || !box.dataset.pending) return;
    window.setTimeout(function () {
      fetch(box.dataset.pollUrl, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) { box.outerHTML = html; poll(); })
        .catch(function () { window.setTimeout(poll, 5000); });
    }, 2000);
  }
  document.addEventListener("DOMContentLoaded", poll);
})();

// The recipient and signatory pickers: without this script their search opens the picker's
// page; with it, the results appear under the box as one types (the same HTML, as a fragment).
(function () {
  "use strict";
  function attach(form) {
    var input = form.querySelector("input[type=search]");
    // The results sit after the form: they hold forms of their own (add, add as cc).
    var results = document.getElementById(form.dataset.results);
    if (!input || !results) return;
    var timer = null;
    var asked = 0;
    function show() {
      var query = input.value.trim();
      if (query.length < 2) { results.innerHTML = ""; return; }
      var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
      var mine = ++asked;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) { if (mine === asked) results.innerHTML = html; })
        .catch(function () { /* the Search button still opens the picker's page */ });
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
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-picker]").forEach(attach);
  });
})();
