// SCFM dashboard behaviour that needs a script: key/value rows, local times, chart widths, confirmations,
// delivery widgets.
(function () {
  "use strict";

  // data-local-time="clock": hours and minutes, with the date when it is not today ("~14:32").
  function localizeTimes(root) {
    var lang = document.documentElement.lang;
    root.querySelectorAll("time[data-local-time]").forEach(function (node) {
      var date = new Date(node.getAttribute("datetime"));
      if (isNaN(date)) { return; }
      if (node.getAttribute("data-local-time") !== "clock") {
        node.textContent = date.toLocaleString(lang);
      } else if (date.toDateString() === new Date().toDateString()) {
        node.textContent = date.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
      } else {
        node.textContent = date.toLocaleString(lang, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
      }
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var editor = add.closest("[data-keyvalues]");
      var template = editor.querySelector("template[data-row-template]");
      var row = template.content.firstElementChild.cloneNode(true);
      editor.querySelector("[data-rows]").appendChild(row);
      row.querySelector("input").focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var rows = remove.closest("[data-keyvalues]");
      remove.closest(".keyvalue-row").remove();
      // Tell listeners (the population preview) that the rows changed.
      rows.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var field = document.getElementById(copy.getAttribute("data-copy"));
      var done = function () { copy.textContent = copy.getAttribute("data-copied"); };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(done);
      } else {
        field.select();
        document.execCommand("copy");
        done();
      }
    }
  });

  // Delivery settings: a calling window's hours are sent only while its box is ticked, and a retry
  // ladder's delays only when "After these delays" is chosen (the server ignores them otherwise).
  function syncDelivery(root) {
    root.querySelectorAll("[data-window-toggle]").forEach(function (toggle) {
      toggle.closest("[data-calling-window]").querySelector("[data-window-fields]").disabled = !toggle.checked;
    });
    root.querySelectorAll("[data-ladder-mode]").forEach(function (mode) {
      mode.closest("[data-ladder]").querySelector("[data-ladder-delays]").disabled = mode.value !== "delays";
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-submit-on-change]")) { event.target.form.submit(); }
    if (event.target.matches("[data-window-toggle], [data-ladder-mode]")) {
      syncDelivery(event.target.form);
      if (event.target.matches("[data-ladder-mode]") && event.target.value === "delays") {
        event.target.closest("[data-ladder]").querySelector("[data-ladder-delays]").focus();
      }
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // The Content-Security-Policy refuses style attributes in markup; a width set from a script is allowed.
  function sizeSegments(root) {
    root.querySelectorAll("[data-percent]").forEach(function (node) {
      node.style.width = node.getAttribute("data-percent") + "%";
    });
  }

  function enhance(root) { localizeTimes(root); sizeSegments(root); syncDelivery(root); }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
