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
