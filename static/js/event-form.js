// The event editor (templates/admin/events/form.html): "Add a tier" adds a row of tier fields
// and offers the new tier in every section's select. Without JavaScript the form still has one
// empty row for a new tier.
(() => {
  "use strict";
  const setup = () => {
    const button = document.getElementById("add-tier");
    const list = document.getElementById("tier-rows");
    if (!button || !list) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const rows = list.querySelectorAll("li.tier-row");
      const template = rows[rows.length - 1];
      if (!template) return;
      const index = rows.length;
      const row = template.cloneNode(true);
      row.dataset.tierIndex = String(index);
      row.classList.add("tier-row-new");
      for (const input of row.querySelectorAll("input")) {
        const base = input.name.replace(/_\d+$/, "");
        input.name = `${base}_${index}`;
        if (input.id) input.id = `${base}_${index}`;
        input.value = "";
      }
      for (const label of row.querySelectorAll("label")) {
        const target = label.getAttribute("for") || "";
        const base = target.replace(/_\d+$/, "");
        label.setAttribute("for", `${base}_${index}`);
        label.textContent = base === "tier_name" ? `Tier ${index + 1} name` : `Tier ${index + 1} price`;
      }
      list.appendChild(row);
      // The previous last row becomes selectable for sections too.
      offer(index - 1);
      offer(index);
      row.querySelector("input[type=text]")?.focus();
    });
  };
  const offer = (index) => {
    for (const select of document.querySelectorAll("select[data-section-select]")) {
      if (select.querySelector(`option[value="${index}"]`)) continue;
      const option = document.createElement("option");
      option.value = String(index);
      option.textContent = `Tier ${index + 1}`;
      select.appendChild(option);
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
