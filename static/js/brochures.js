// Progress of a PDF that the worker is making: polls the small JSON status endpoint and starts
// the download when it is ready. Without JavaScript the page offers a refresh link instead.
(function () {
  "use strict";
  var POLL_MS = 1500;
  var MAX_POLLS = 400;

  function setup(box) {
    var statusUrl = box.getAttribute("data-status-url");
    if (!statusUrl) { return; }
    var bar = box.querySelector("progress");
    var message = box.querySelector("[data-status-message]");
    var ready = box.querySelector("[data-ready]");
    var refresh = box.querySelector("[data-refresh]");
    var autoDownload = !box.hasAttribute("data-no-auto-download");
    var polls = 0;
    if (refresh) { refresh.hidden = true; }

    function show(state) {
      if (bar && typeof state.progress === "number") {
        bar.value = state.progress;
        bar.textContent = state.progress + "%";
      }
      if (message && state.message && message.textContent !== state.message) {
        message.textContent = state.message;
      }
      if (message) { message.setAttribute("data-rendition-status", state.status); }
    }

    function poll() {
      polls += 1;
      fetch(statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (state) {
          show(state);
          if (state.status === "done" && state.download_url) {
            if (ready) { ready.hidden = false; }
            if (autoDownload) { window.location.assign(state.download_url); }
            return;
          }
          if (state.status === "failed") {
            if (refresh) { refresh.hidden = false; }
            return;
          }
          if (polls < MAX_POLLS) { window.setTimeout(poll, POLL_MS); }
        })
        .catch(function () {
          if (refresh) { refresh.hidden = false; }
          if (polls < MAX_POLLS) { window.setTimeout(poll, POLL_MS * 2); }
        });
    }

    var initial = message ? message.getAttribute("data-rendition-status") : null;
    if (initial === "done" || initial === "failed") { return; }
    window.setTimeout(poll, POLL_MS / 3);
  }

  document.querySelectorAll(".brochure-progress[data-status-url]").forEach(setup);
})();
