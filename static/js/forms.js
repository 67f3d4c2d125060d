// Form enhancements; every form works without this file.
(function () {
  "use strict";
  // After a failed submit: focus the error summary, so it is read out first (GOV.UK pattern).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    // A link in the summary moves focus to its field, not only the scroll position.
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (field) {
          event.preventDefault();
          field.focus();
          field.scrollIntoView({ block: "center" });
        }
      });
    });
  }
  // Live character counters for text areas with a limit (data-char-limit, see bootstrap5/field.html).
  // The server refuses text over the limit with an error; the counter only tells in advance.
  document.querySelectorAll("[data-char-limit]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-char-limit"), 10);
    var counter = document.getElementById(field.id + "_counter");
    if (!limit || !counter) { return; }
    var template = counter.getAttribute("data-remaining");
    var over = counter.getAttribute("data-over");
    var timer = null;
    function update() {
      var left = limit - field.value.length;
      var text = (left >= 0 ? template : over).replace("{count}", String(Math.abs(left)));
      counter.textContent = text;
      counter.classList.toggle("text-danger", left < 0);
    }
    field.addEventListener("input", function () {
      // Announce after typing pauses, not on every key.
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    });
    update();
  });
})();
