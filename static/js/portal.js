// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Auto-submit the organisation switcher when a choice is made (the button stays for keyboard users).
  document.querySelectorAll("form.org-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Confirmation for destructive buttons: <button data-confirm="...">.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
