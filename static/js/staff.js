/* Small progressive enhancements, loaded on every page; every form works without them.
   The Content-Security-Policy refuses inline handlers (onclick=...), so behaviour is bound
   here to data attributes in the templates. */
(function () {
  "use strict";

  // <button data-print>: print the page (the case page's Print button).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // <input data-select-on-click>: select the whole value, ready to copy (calendar address).
  document.querySelectorAll("input[data-select-on-click]").forEach(function (input) {
    input.addEventListener("click", function () { input.select(); });
  });

  // New case: charge rows not in use are folded away until "Another charge" unfolds the
  // next one. Without the script every row is shown and the button stays hidden.
  document.querySelectorAll("[data-another-charge]").forEach(function (button) {
    var unused = Array.prototype.slice.call(document.querySelectorAll("[data-charge-row][data-unused]"));
    if (!unused.length) return;
    unused.forEach(function (row) { row.hidden = true; });
    button.hidden = false;
    button.addEventListener("click", function () {
      var next = unused.shift();
      if (next) {
        next.hidden = false;
        var first = next.querySelector("select, input");
        if (first) first.focus();
      }
      if (!unused.length) button.hidden = true;
    });
  });

  // Event form: "Another participant" ([data-formset-add]) adds a row to the formset from its
  // <template data-formset-empty>, numbered after the last, up to the formset's maximum.
  // Without this script the button stays hidden and each save offers three more rows.
  document.querySelectorAll("[data-formset]").forEach(function (formset) {
    var prefix = formset.dataset.formset;
    var add = formset.querySelector("[data-formset-add]");
    var empty = formset.querySelector("template[data-formset-empty]");
    var total = formset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = formset.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    if (!add || !empty || !total) return;
    function full() { return max && Number(total.value) >= Number(max.value); }
    add.hidden = full();
    add.addEventListener("click", function () {
      if (full()) return;
      var index = Number(total.value);
      var row = empty.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[name], [id], [for]").forEach(function (element) {
        ["name", "id", "for"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) element.setAttribute(attribute, value.replace("__prefix__", String(index)));
        });
      });
      empty.parentNode.insertBefore(row, empty);
      total.value = String(index + 1);
      var first = row.querySelector("select, input");
      if (first) first.focus();
      add.hidden = full();
    });
  });

  // Sentence chain page: rows after the first that hold nothing are folded away until
  // "Add another step" ([data-chain-add]) unfolds the next one. Without this script every
  // row shows and the button stays hidden.
  document.querySelectorAll("[data-chain]").forEach(function (chain) {
    var add = chain.querySelector("[data-chain-add]");
    if (!add) return;
    chain.querySelectorAll("[data-chain-step]").forEach(function (row) {
      if (row.dataset.chainKeep !== "1") row.hidden = true;
    });
    function refresh() { add.hidden = !chain.querySelector("[data-chain-step][hidden]"); }
    add.addEventListener("click", function () {
      var next = chain.querySelector("[data-chain-step][hidden]");
      if (next) {
        next.hidden = false;
        var first = next.querySelector("select, input");
        if (first) first.focus();
      }
      refresh();
    });
    refresh();
  });

  // Person picker: search names in any script (the same search as /search/) and add the
  // chosen person to the select, or as a ticked checkbox in a checkbox list.
  document.querySelectorAll(".picker").forEach(function (picker) {
    var input = picker.querySelector("input");
    var list = picker.querySelector(".picker-results");
    var target = document.getElementById(picker.dataset.target);
    var multiple = picker.dataset.multiple === "1";
    var timer = null;
    if (!target) return;

    function label(person) {
      return person.name_original ? person.name + " (" + person.name_original + ")" : person.name;
    }

    function choose(person) {
      if (multiple) {
        var existing = target.querySelector('input[value="' + person.id + '"]');
        if (!existing) {
          var name = target.dataset.name || "defendants";
          var wrapper = document.createElement("div");
          var lab = document.createElement("label");
          var box = document.createElement("input");
          box.type = "checkbox";
          box.name = name;
          box.value = String(person.id);
          lab.appendChild(box);
          lab.appendChild(document.createTextNode(" " + label(person)));
          wrapper.appendChild(lab);
          target.appendChild(wrapper);
          existing = box;
        }
        existing.checked = true;
      } else if (target.dataset.formset) {
        // An event's participants: every row may now choose them; the first row naming
        // nobody does (a new row when none is free).
        var rows = function () { return target.querySelectorAll("select[name$='-person']"); };
        var template = target.querySelector("template[data-formset-empty]");
        var selects = Array.prototype.slice.call(rows());
        if (template) selects = selects.concat(Array.prototype.slice.call(template.content.querySelectorAll("select")));
        selects.forEach(function (select) {
          if (!/-person$/.test(select.name) || select.querySelector('option[value="' + person.id + '"]')) return;
          var extra = document.createElement("option");
          extra.value = String(person.id);
          extra.textContent = label(person);
          select.appendChild(extra);
        });
        var free = Array.prototype.slice.call(rows()).filter(function (select) {
          var organisation = select.closest("[data-formset-row]").querySelector("select[name$='-organisation']");
          return !select.value && !(organisation && organisation.value);
        })[0];
        if (!free) {
          var add = target.querySelector("[data-formset-add]");
          if (add && !add.hidden) add.click();
          var all = rows();
          free = all[all.length - 1];
          if (free && free.value) free = null;
        }
        if (free) free.value = String(person.id);
      } else {
        var option = target.querySelector('option[value="' + person.id + '"]');
        if (!option) {
          option = document.createElement("option");
          option.value = String(person.id);
          option.textContent = label(person);
          target.appendChild(option);
        }
        target.value = String(person.id);
      }
      list.replaceChildren();
      input.value = "";
    }

    function search() {
      var query = input.value.trim();
      if (query.length < 2) { list.replaceChildren(); return; }
      fetch(picker.dataset.pickerUrl + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          list.replaceChildren();
          if (!data.results.length) {
            var none = document.createElement("li");
            none.className = "muted";
            none.textContent = "No one found";
            list.appendChild(none);
          }
          data.results.forEach(function (person) {
            var item = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = label(person);  // textContent: names are never parsed as HTML
            button.addEventListener("click", function () { choose(person); });
            item.appendChild(button);
            list.appendChild(item);
          });
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); search(); }
    });
  });

  // Ordered term: show the planned end the server will compute ("2 months" from 5 June 2021
  // ends 5 Aug 2021), so staff can check it against the court order before saving.
  var term = document.getElementById("id_term");
  var start = document.getElementById("id_started_on");
  var preview = document.getElementById("term-preview");
  var plannedEnd = document.getElementById("id_planned_end");
  var startPrecision = document.getElementById("id_started_on_precision");
  if (term && start && preview) {
    var update = function () {
      var match = /^\s*(\d{1,4})\s*(d|days?|m|mo|months?|y|yrs?|years?)\s*$/i.exec(term.value);
      if (!match || !start.value || (plannedEnd && plannedEnd.value)) { preview.textContent = ""; return; }
      // As on the server: from a start known only to the month or year, no end is computed.
      if (startPrecision && startPrecision.value !== "day") {
        preview.textContent = "The start is not known to the day: give the planned end if the order states it.";
        return;
      }
      var n = parseInt(match[1], 10), unit = match[2][0].toLowerCase();
      var parts = start.value.split("-").map(Number);
      var end;
      if (unit === "d") {
        end = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + n));
      } else {
        var months = unit === "m" ? n : 12 * n;
        var index = parts[1] - 1 + months;
        var year = parts[0] + Math.floor(index / 12), month = index % 12;
        var last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
        end = new Date(Date.UTC(year, month, Math.min(parts[2], last)));
      }
      preview.textContent = "Planned end: " + end.toLocaleDateString("en-GB", {
        day: "numeric", month: "short", year: "numeric", timeZone: "UTC"
      });
    };
    term.addEventListener("input", update);
    start.addEventListener("input", update);
    if (plannedEnd) plannedEnd.addEventListener("input", update);
    if (startPrecision) startPrecision.addEventListener("change", update);
    update();
  }
  // Case page timeline: "Earlier entries" fetches the page before the one shown (the
  // fragment at data-timeline-earlier, filters kept) and puts it in place of the link.
  // Without this script, or if the fetch fails, the link opens the case page at that page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-timeline-earlier]") : null;
    if (!link || !window.fetch) return;
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    fetch(link.dataset.timelineEarlier, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var holder = link.closest("[data-timeline-more]");
        var template = document.createElement("template");
        template.innerHTML = html;
        var page = template.content.querySelector("[data-timeline-page]");
        holder.replaceWith(template.content);
        // Keyboard and screen-reader users land on the newest of the entries just added.
        var entries = page ? page.querySelectorAll("li.entry") : [];
        var last = entries[entries.length - 1];
        if (last) {
          last.setAttribute("tabindex", "-1");
          last.focus();
        }
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
