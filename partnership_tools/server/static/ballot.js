/* Partnership Tools ballot page: optional progressive enhancement (the page works without it).
 * Polls the session's status; when the round closes it disables the form and says so, and a
 * waiting page reloads itself when voting opens. No other behaviour, nothing remote. */
(function () {
  "use strict";
  var main = document.querySelector("[data-status-url]");
  if (!main || !window.fetch || !window.JSON) { return; }
  var url = main.getAttribute("data-status-url");
  var watch = main.getAttribute("data-watch");
  var round = main.getAttribute("data-round");
  var stopped = false;

  function delay() { return 5000 + Math.floor(Math.random() * 2000); }

  function showClosed(number) {
    stopped = true;
    var banner = document.getElementById("closed-banner");
    var forms = document.querySelectorAll("form.ballot-form");
    for (var i = 0; i < forms.length; i++) {
      var controls = forms[i].querySelectorAll("input, select, button, textarea");
      for (var j = 0; j < controls.length; j++) { controls[j].disabled = true; }
    }
    if (banner) {
      banner.textContent = "Round " + (number || round) +
        " has closed; ballots are no longer accepted. Your ballot on this page was not cast.";
      banner.hidden = false;
      banner.focus();
    }
  }

  function check() {
    if (stopped) { return; }
    fetch(url, { cache: "no-store", credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (watch === "waiting") {
          if (s.open) { stopped = true; window.location.reload(); return; }
        } else if (!s.open || String(s.round) !== round) {
          showClosed(round);
          return;
        }
        window.setTimeout(check, delay());
      })
      .catch(function () { window.setTimeout(check, 2 * delay()); });
  }

  window.setTimeout(check, delay());
})();
