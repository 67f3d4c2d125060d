// Back-office enhancements; every form works without this file.
(function () {
  "use strict";
  // Attendance: "set everyone to ..." buttons (hidden without JavaScript).
  document.querySelectorAll(".attendance-bulk").forEach(function (bar) {
    bar.hidden = false;
    var form = bar.closest("form");
    bar.querySelectorAll("[data-set-all]").forEach(function (button) {
      button.addEventListener("click", function () {
        form.querySelectorAll("select[name^='status-']").forEach(function (select) {
          select.value = button.getAttribute("data-set-all");
        });
      });
    });
  });
  // Filter bars: submit when a choice changes (the button stays for keyboard users).
  document.querySelectorAll("form.registration-filter select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
