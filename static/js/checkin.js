// The door's scan form: after each answer, empty the code field and keep the focus there, so
// the next ticket can be typed or scanned at once.
(() => {
  "use strict";
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "door-scan") return;
    const code = form.querySelector("input[name=code]");
    if (event.detail.successful) code.value = "";
    code.focus();
  });
})();
