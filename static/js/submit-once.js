// Forms marked data-submit-once disable their buttons while the submission is on its way, so a
// double click sends one request. The server never relies on it (payments are idempotent).
(() => {
  "use strict";
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    // After the browser has taken the clicked button's name and value for the submission.
    setTimeout(() => {
      for (const button of form.querySelectorAll("button")) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }
    }, 0);
  });
  // Coming back with the Back button shows the page from the cache: make it usable again.
  window.addEventListener("pageshow", () => {
    for (const form of document.querySelectorAll("form[data-submit-once]")) {
      delete form.dataset.submitting;
      for (const button of form.querySelectorAll("button")) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    }
  });
})();
