"use strict";

(() => {
  const { el } = Dsx;
  const id = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const api = `/api/explorations/${encodeURIComponent(id)}`;
  const $ = name => document.getElementById(name);
  let kind = null;

  $("title").textContent = id;
  document.title = `Dsx — ${id}`;

  async function refresh() {
    const report = await Dsx.get(api);
    const s = report.summary;
    const total = s.spec ? s.spec.episodes : 0;
    kind = s.spec ? s.spec.boardKind : null;
    $("status").replaceChildren(Dsx.status(s.status));
    if (s.spec) {
      $("spec").textContent = `${s.spec.modelName} on '${s.spec.boardKind}' boards; ${s.spec.strategy}, ${s.spec.episodes} episodes, up to ` +
        `${s.spec.batch} at once, objective ${s.spec.objective}, ${s.spec.allowInt8 ? "FP32 and INT8" : "FP32 only"}, seed ${s.spec.seed}`;
    }
    $("progress").textContent = `${s.episode}/${total}`;
    $("best").textContent = Dsx.ms(s.bestLatencyMs);
    $("baseline").textContent = Dsx.ms(s.baselineLatencyMs);
    $("speedup").textContent = Dsx.speedup(s);
    $("memory").textContent = `${Dsx.mib(report.bestPeakBytes)} / ${Dsx.mib(report.baselinePeakBytes)}`;
    $("counts").textContent = `${s.boardMeasurements} / ${s.tableHits} / ${s.failures}`;
    $("error").textContent = s.error || "";
    const running = s.status === "Running" || s.status === "Created";
    $("pause").disabled = !running;
    $("resume").disabled = !(s.status === "Paused" || s.status === "Failed");
    $("cancel").disabled = !(running || s.status === "Paused" || s.status === "Failed");
    Dsx.convergence($("convergence"), s.bestCostByEpisode, s.episodeCostByEpisode || [], total);
    Dsx.pareto($("pareto"), report.paretoFront);
    plan(report);
  }

  function plan(report) {
    const known = report.bestPlan.map(l => l.ms).filter(v => v != null);
    const sum = known.reduce((a, b) => a + b, 0);
    const baseline = new Map(report.layerNames.map((name, i) => [name, report.baselineLayerMs[i]]));
    $("plan-empty").hidden = report.bestPlan.length > 0;
    Dsx.rows($("plan").tBodies[0], report.bestPlan.map(l => el("tr", {},
      el("td", {}, l.name),
      el("td", {}, l.op),
      el("td", {}, l.choice),
      el("td", { class: "num" }, Dsx.ms(l.ms)),
      el("td", { class: "num" }, l.ms != null && sum > 0 ? Dsx.percent(l.ms / sum) : "—"),
      el("td", { class: "num" }, l.conversionMs ? Dsx.ms(l.conversionMs) : "—"),
      el("td", { class: "num" }, Dsx.mib(l.memoryBytes)),
      el("td", { class: "num" }, Dsx.ms(baseline.get(l.name))))));
  }

  async function boards() {
    const list = (await Dsx.get("/api/boards")).filter(b => kind == null || b.registration.kind === kind);
    Dsx.rows($("boards").tBodies[0], list.map(b => el("tr", {},
      el("td", {}, b.registration.id),
      el("td", {}, Dsx.status(b.state)),
      el("td", {}, b.exploration === id ? "this exploration" : b.exploration || "—"),
      el("td", { class: "num" }, b.measurements),
      el("td", {}, Dsx.bar(b.utilisation), ` ${Dsx.percent(b.utilisation)}`))));
  }

  async function steer(action) {
    try {
      await Dsx.post(`${api}/${action}`);
      $("message").textContent = "";
      await refresh();
    } catch (e) {
      $("message").textContent = e.message;
    }
  }

  for (const action of ["pause", "resume", "cancel"]) {
    $(action).addEventListener("click", () => steer(action));
  }

  // The key field appears only when the silo was started with --api-key; what is typed stays in this tab's session.
  $("api-key").value = Dsx.apiKey();
  $("api-key").addEventListener("input", e => Dsx.setApiKey(e.target.value));
  Dsx.get("/api/silo").then(info => { $("key-box").hidden = !info.apiKeyRequired; }, () => { $("key-box").hidden = false; });

  Dsx.poll(refresh, 1000, $("offline"));
  Dsx.poll(boards, 2000, null);
})();
