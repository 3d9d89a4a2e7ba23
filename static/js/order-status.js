/* Live order status: while the order is in progress, fetch the status fragment every few
 * seconds and swap it in (no full page reload). Stops once the fragment says the order is
 * final. Pauses while the tab is hidden; backs off on errors. No dependencies. */
(function () {
  "use strict";

  var panel = document.getElementById("order-live");
  if (!panel || !window.fetch) return;

  var url = panel.getAttribute("data-status-url");
  var baseDelay = parseInt(panel.getAttribute("data-poll-ms"), 10) || 2000;
  var maxDelay = 30000;
  var delay = baseDelay;
  var timer = null;
  var busy = false;

  function isFinal() {
    var status = panel.querySelector("[data-final]");
    return !status || status.getAttribute("data-final") === "true";
  }

  function schedule() {
    clearTimeout(timer);
    if (isFinal()) return;
    timer = setTimeout(refresh, delay);
  }

  function refresh() {
    if (document.hidden) return; // resumed by visibilitychange
    if (busy) return schedule();
    busy = true;
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Requested-With": "XMLHttpRequest", Accept: "text/html" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        // Don't swap while the shopper is pressing a button inside the panel.
        if (!panel.contains(document.activeElement) || document.activeElement === document.body) {
          panel.innerHTML = html;
        }
        delay = baseDelay;
      })
      .catch(function () {
        delay = Math.min(delay * 2, maxDelay);
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      delay = baseDelay;
      refresh();
    }
  });

  schedule();
})();
