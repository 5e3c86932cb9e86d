// The seat map's small behaviours that htmx does not cover. No build step, no inline script
// (CSP: script-src 'self'); the page works without it through the list view and plain forms.
//
// - Keyboard: one seat is in the tab order at a time (a roving tabindex); the arrow keys move
//   to the nearest seat in that direction, Enter or Space hold or give back the focused seat,
//   and focus stays on a seat when htmx redraws it. A seat redrawn a moment ago answers a key
//   or a click at once, before htmx would have wired it up.
// - The basket's countdown ticks every second; at zero the basket asks the server for its new
//   state (htmx `expired` trigger), which also redraws its seats as free.
// - After the live stream reconnects, the map refreshes itself (it may have missed changes).
// - A redrawn seat older than the one shown (data-v) is not swapped in: see LiveHub in live.rs.
(function () {
  "use strict";

  var focusedSeatId = null;

  function seats() {
    return Array.prototype.slice.call(document.querySelectorAll("#seat-svg .seat"));
  }

  function centre(el) {
    if (el.tagName.toLowerCase() === "circle") {
      return { x: +el.getAttribute("cx"), y: +el.getAttribute("cy") };
    }
    return { x: +el.getAttribute("x") + 4, y: +el.getAttribute("y") + 4 };
  }

  // Exactly one seat is tabbable: the one last focused if it is still there, else the first
  // seat that can be chosen, else the first seat.
  function rove() {
    var all = seats();
    if (!all.length) return;
    var current = null;
    if (focusedSeatId) current = document.getElementById(focusedSeatId);
    if (!current) current = all.filter(function (s) { return s.hasAttribute("hx-post"); })[0] || all[0];
    all.forEach(function (s) { s.setAttribute("tabindex", s === current ? "0" : "-1"); });
  }

  function moveFocus(from, dx, dy) {
    var a = centre(from);
    var best = null;
    var bestScore = Infinity;
    seats().forEach(function (s) {
      if (s === from) return;
      var b = centre(s);
      var along = (b.x - a.x) * dx + (b.y - a.y) * dy;
      if (along <= 0) return;
      var across = Math.abs((b.x - a.x) * dy) + Math.abs((b.y - a.y) * dx);
      var score = along + across * 3;
      if (score < bestScore) { bestScore = score; best = s; }
    });
    if (best) {
      from.setAttribute("tabindex", "-1");
      best.setAttribute("tabindex", "0");
      best.focus();
    }
  }

  var arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  document.addEventListener("keydown", function (e) {
    var seat = e.target;
    if (!seat.classList || !seat.classList.contains("seat") || !seat.closest("#seat-svg")) return;
    if (arrows[e.key]) {
      e.preventDefault();
      moveFocus(seat, arrows[e.key][0], arrows[e.key][1]);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (seat.hasAttribute("hx-post")) {
        ready(seat);
        seat.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
      }
    }
  });

  // A seat htmx has just swapped in is only wired up once the swap settles; a click or a key
  // in between would do nothing. Wire it up first (htmx.process does nothing to a seat it
  // already knows), then pass the click on.
  function wired(seat) {
    var data = seat["htmx-internal-data"];
    return !!(data && data.initHash);
  }
  function ready(seat) {
    if (window.htmx && !wired(seat)) window.htmx.process(seat);
  }
  document.addEventListener("click", function (e) {
    var seat = e.target;
    if (!seat.classList || !seat.classList.contains("seat") || !seat.hasAttribute("hx-post")) return;
    if (!window.htmx || wired(seat)) return;
    e.stopPropagation();
    e.preventDefault();
    ready(seat);
    seat.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
  }, true);

  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t.classList && t.classList.contains("seat") && t.id) focusedSeatId = t.id;
  });

  // htmx replaced a seat (a click, or a live update): keep it in the tab order and focused.
  function afterSwap() {
    var hadFocus = document.activeElement === document.body || document.activeElement === null;
    rove();
    if (hadFocus && focusedSeatId) {
      var again = document.getElementById(focusedSeatId);
      if (again && again.closest("#seat-svg")) again.focus({ preventScroll: true });
    }
    startCountdown();
  }

  // The countdown, measured from when this element arrived (not the device's clock, which may
  // be wrong): the server says how many milliseconds were left when it drew it.
  var timer = null;
  function startCountdown() {
    var el = document.getElementById("countdown");
    if (!el) {
      if (timer) { clearInterval(timer); timer = null; }
      return;
    }
    if (el.dataset.started) return;
    el.dataset.started = "1";
    var endsAt = Date.now() + Number(el.dataset.leftMs || 0);
    if (timer) clearInterval(timer);
    function tick() {
      var left = Math.max(0, endsAt - Date.now());
      var seconds = Math.ceil(left / 1000);
      el.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
      var box = el.closest(".countdown");
      if (box) box.classList.toggle("ending", seconds <= 60);
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        var basket = document.getElementById("basket");
        // The sweeper may take a moment to release the seats; the server answers either way.
        if (basket && window.htmx) window.htmx.trigger(basket, "expired");
      }
    }
    tick();
    timer = setInterval(tick, 1000);
  }

  // Answers and live updates may arrive out of order: a seat, section or basket drawn from an
  // older state than the one shown (data-v, the server's change counter) is not swapped in.
  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var current = e.detail.target;
    var fragment = e.detail.fragment;
    var incoming = fragment && (fragment.firstElementChild || fragment);
    if (!current || !incoming || !incoming.getAttribute) return;
    var was = current.getAttribute("data-v");
    var now = incoming.getAttribute("data-v");
    if (was !== null && now !== null && Number(now) < Number(was)) e.detail.shouldSwap = false;
  });

  var opens = 0;
  document.addEventListener("htmx:sseOpen", function () {
    opens += 1;
    if (opens > 1) {
      var refresh = document.getElementById("live-refresh");
      if (refresh && window.htmx) window.htmx.trigger(refresh, "sse:refresh");
    }
  });

  document.addEventListener("htmx:afterSettle", afterSwap);
  document.addEventListener("htmx:oobAfterSwap", afterSwap);
  document.addEventListener("DOMContentLoaded", function () {
    rove();
    startCountdown();
  });
})();
