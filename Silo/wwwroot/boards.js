"use strict";

(() => {
  const { el } = Dsx;
  const body = document.querySelector("#boards tbody");

  async function refresh() {
    const boards = await Dsx.get("/api/boards");
    document.getElementById("empty").hidden = boards.length > 0;
    Dsx.rows(body, boards.map(b => el("tr", { "data-id": b.registration.id },
      el("td", {}, b.registration.id),
      el("td", {}, b.registration.kind),
      el("td", {}, b.registration.launch),
      el("td", {}, Dsx.status(b.state)),
      el("td", {}, b.exploration ? el("a", { href: `/explorations/${encodeURIComponent(b.exploration)}` }, b.exploration) : "—"),
      el("td", { class: "num" }, b.measurements),
      el("td", { class: "num" }, `${b.failures} (${b.consecutiveFailures})`),
      el("td", {}, Dsx.bar(b.utilisation), ` ${Dsx.percent(b.utilisation)}`),
      el("td", { class: "muted" }, b.lastError || ""))));
  }

  Dsx.poll(refresh, 2000, document.getElementById("message"));
})();
