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
  document.addEventListener("DOMContentLoaded", claim);
  document.addEventListener("visibilitychange", claim);
  document.addEventListener("htmx:afterSettle", claim);
})();
