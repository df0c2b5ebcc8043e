// The letter page's invitations card: refresh each signatory's state every 15 seconds
// from letters:signature_states, so staff see signatures arrive without reloading.
(function () {
  "use strict";
  var card = document.getElementById("invitations");
  if (!card || !window.fetch) { return; }
  var url = card.getAttribute("data-states-url");
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var summary = card.querySelector("[data-signature-summary]");
        if (summary) { summary.textContent = data.summary; }
        data.signatories.forEach(function (row) {
          var cell = card.querySelector('[data-signatory-state="' + row.id + '"]');
          if (cell) {
            cell.textContent = row.status_display +
              (row.last_event ? " — " + row.last_event : "");
          }
        });
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  window.setInterval(refresh, 15000);
}());
