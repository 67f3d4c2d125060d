// The level an assessment's scores give, shown as the scores change (the server computes it with
// the one rule, instruments.rules.framework_level); without this file the "Show the level" button
// does the same with a full page.
(function () {
  "use strict";
  var form = document.querySelector("form[data-level-preview]");
  var target = document.getElementById("level-preview");
  if (!form || !target || !window.fetch || !window.DOMParser) { return; }
  var pending = null;
  function refresh() {
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var data = new FormData(form);
    data.set("preview", "1");
    fetch(form.action || window.location.href, {
      method: "POST", body: data, credentials: "same-origin", signal: pending.signal,
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("level-preview");
      if (fresh) { target.innerHTML = fresh.innerHTML; }
    }).catch(function () { /* the button still works */ });
  }
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", refresh);
  });
})();
