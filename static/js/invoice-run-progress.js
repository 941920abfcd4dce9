// Updates an invoice run's progress in place while it works, then reloads the page to show
// what it issued; without JavaScript the page's "Refresh this page" link does the same.
(function () {
  var region = document.getElementById("invoice-run-progress");
  if (!region) { return; }
  var text = document.getElementById("invoice-run-progress-text");
  var bar = document.getElementById("invoice-run-progress-bar");
  var interval = Number(region.dataset.interval) * 1000;
  function poll() {
    fetch(region.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (!data.working) { window.location.reload(); return; }
        if (text.textContent !== data.text) { text.textContent = data.text; }
        if (data.total) {
          bar.max = data.total;
          bar.value = data.done;
        }
        bar.textContent = data.percent + "%";
        window.setTimeout(poll, interval);
      })
      .catch(function () { window.setTimeout(poll, interval * 2); });
  }
  window.setTimeout(poll, interval);
})();
