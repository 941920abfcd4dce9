// Updates a history import's progress in place while it works; without JavaScript the
// page's "Refresh this page" link does the same.
(function () {
  var region = document.getElementById("import-progress");
  if (!region) { return; }
  var text = document.getElementById("import-progress-text");
  var interval = Number(region.dataset.interval) * 1000;
  function poll() {
    fetch(region.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.working) { window.location.reload(); return; }
        text.textContent = data.stage ? data.stage + ": " + data.percent + "% done" : data.status_label;
        window.setTimeout(poll, interval);
      })
      .catch(function () { window.setTimeout(poll, interval * 2); });
  }
  window.setTimeout(poll, interval);
})();
