// The waiting page (WAITING_ROOM.md §3.8): when the status says it's the visitor's turn, claim it
// at once if the tab is visible, or as soon as it becomes visible, so that absent people do not
// take slots. Hidden tabs get a title change instead. Without JavaScript the page refreshes
// itself and the claim is a button.
(function () {
  "use strict";
  var title = document.title;
  function claim() {
    var form = document.querySelector("form[data-autoclaim]");
    if (!form) {
      document.title = title;
      return;
    }
    if (document.visibilityState === "visible" && !form.dataset.sent) {
      form.dataset.sent = "1";
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    } else {
      document.title = "It's your turn! · " + title;
    }
  }
  // Milestones only, into the persistent live region: a new headline (the turn, a pause, sold
  // out…) or each tenth of the way from where the line was when the page opened.
  var heard = null;
  var firstAhead = null;
  var tenth = 0;
  function announce() {
    var status = document.getElementById("queue-status");
    var out = document.getElementById("queue-announce");
    if (!status || !out) {
      return;
    }
    var headline = status.dataset.milestone || "";
    var ahead = parseInt(status.dataset.ahead, 10);
    var say = null;
    if (heard === null) {
      heard = headline;
    } else if (headline !== heard) {
      heard = headline;
      say = headline;
    }
    if (!isNaN(ahead)) {
      if (firstAhead === null) {
        firstAhead = ahead;
      }
      var now = firstAhead > 0 ? Math.floor((10 * (firstAhead - ahead)) / firstAhead) : 0;
      if (now > tenth) {
        tenth = now;
        if (!say) {
          say = "You are " + tenth * 10 + "% of the way: at most " + ahead + " ahead of you.";
        }
      }
    }
    if (say) {
      out.textContent = say;
    }
  }
  function settle() {
    announce();
    claim();
  }
  document.addEventListener("DOMContentLoaded", settle);
  document.addEventListener("visibilitychange", claim);
  document.addEventListener("htmx:afterSettle", settle);
})();
