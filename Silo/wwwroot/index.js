"use strict";

(() => {
  const { el } = Dsx;
  const body = document.querySelector("#explorations tbody");

  async function refresh() {
    const list = await Dsx.get("/api/explorations");
    document.getElementById("empty").hidden = list.length > 0;
    Dsx.rows(body, list.map(s => {
      const total = s.spec ? s.spec.episodes : 0;
      return el("tr", { "data-id": s.id },
        el("td", {}, el("a", { href: `/explorations/${encodeURIComponent(s.id)}` }, s.id)),
        el("td", {}, Dsx.status(s.status)),
        el("td", {}, s.spec ? s.spec.modelName : "—"),
        el("td", {}, s.spec ? s.spec.boardKind : "—"),
        el("td", {}, s.spec ? s.spec.strategy : "—"),
        el("td", {}, Dsx.bar(total ? s.episode / total : 0), ` ${s.episode}/${total}`),
        el("td", { class: "num" }, Dsx.ms(s.bestLatencyMs)),
        el("td", { class: "num" }, Dsx.ms(s.baselineLatencyMs)),
        el("td", { class: "num" }, Dsx.speedup(s)),
        el("td", {}, Dsx.time(s.updatedAt)));
    }));
  }

  Dsx.poll(refresh, 2000, document.getElementById("message"));
})();
