// The venue editor (templates/admin/venues/form.html): shows each section's own fields for its
// kind, and lets a click (or Enter/Space) on a seat of the preview mark it as a wheelchair
// space, blocked, or normal. The chosen seats live in the section's "Wheelchair spaces" and
// "Blocked seats" inputs, which the form submits; the preview is redrawn by htmx.
(() => {
  "use strict";

  const form = () => document.getElementById("venue-form");

  function showKind(select) {
    const fieldset = select.closest(".venue-section");
    if (fieldset) fieldset.dataset.kind = select.value;
  }

  function keys(input) {
    return input.value.split(/[\s,;]+/).filter((k) => k !== "");
  }

  function toggle(seat) {
    const f = form();
    if (!f) return;
    const mode = (f.querySelector("input[name=mode]:checked") || { value: "normal" }).value;
    const section = seat.dataset.section;
    const key = seat.dataset.key;
    const accessible = document.getElementById(`s${section}-accessible`);
    const blocked = document.getElementById(`s${section}-blocked`);
    if (!accessible || !blocked) return;
    const same = (k) => k.toUpperCase() === key.toUpperCase();
    const a = keys(accessible).filter((k) => !same(k));
    const b = keys(blocked).filter((k) => !same(k));
    const wasAccessible = a.length !== keys(accessible).length;
    const wasBlocked = b.length !== keys(blocked).length;
    if (mode === "accessible" && !wasAccessible) a.push(key);
    if (mode === "blocked" && !wasBlocked) b.push(key);
    accessible.value = a.join(" ");
    blocked.value = b.join(" ");
    seat.classList.toggle("accessible", a.includes(key));
    seat.classList.toggle("blocked", b.includes(key));
    f.dataset.refocus = `${section}|${key}`;
    if (window.htmx) window.htmx.trigger(f, "layout-changed");
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("select.section-kind")) showKind(event.target);
  });

  document.addEventListener("click", (event) => {
    const seat = event.target.closest && event.target.closest("#venue-preview .preview-seat");
    if (seat) toggle(seat);
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const seat = event.target.closest && event.target.closest("#venue-preview .preview-seat");
    if (!seat) return;
    event.preventDefault();
    toggle(seat);
  });

  // Keyboard users keep their place: the seat they toggled has the focus again after the redraw.
  document.addEventListener("htmx:afterSwap", (event) => {
    const f = form();
    if (!f || !f.dataset.refocus || event.target.id !== "venue-preview") return;
    const [section, key] = f.dataset.refocus.split("|");
    delete f.dataset.refocus;
    const seat = document.querySelector(
      `#venue-preview .preview-seat[data-section="${CSS.escape(section)}"][data-key="${CSS.escape(key)}"]`,
    );
    if (seat) seat.focus();
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("select.section-kind").forEach(showKind);
  });
})();
