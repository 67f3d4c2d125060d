// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Auto-submit the organisation switcher when a choice is made (the button stays for keyboard users).
  document.querySelectorAll("form.org-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Tables marked .table-stack: on a narrow screen each row becomes a block whose cells show their
  // column header (data-label, see portal.css). Without this script they scroll in their labelled region.
  document.querySelectorAll("table.table-stack").forEach(function (table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      var copy = th.cloneNode(true);  // the header's words, without decorations such as a sort arrow
      copy.querySelectorAll("[aria-hidden=true]").forEach(function (el) { el.remove(); });
      return copy.textContent.replace(/\s+/g, " ").trim();
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, index) {
          if (cell.colSpan === 1 && headers[index] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", headers[index]);
          }
        });
      });
    });
    table.classList.add("is-stacked");
  });
  // Confirmation for destructive buttons: <button data-confirm="...">.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
