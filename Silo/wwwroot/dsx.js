// Shared by the exploration pages: calls to /api (docs/api.md), formatting, DOM building and hand-drawn SVG charts.
// Text from the API is only ever set as text (never as HTML), so an exploration id cannot inject markup.
"use strict";

const Dsx = (() => {
  const keyName = "dsx-api-key";
  const svgNs = "http://www.w3.org/2000/svg";

  async function get(path) {
    const response = await fetch(path, { cache: "no-store" });
    if (!response.ok) {
      throw new Error(await errorText(response));
    }
    return response.json();
  }

  // State changes carry the API key the user typed (kept for this tab only, in sessionStorage).
  async function post(path) {
    const headers = {};
    const key = apiKey();
    if (key) {
      headers["X-Api-Key"] = key;
    }
    const response = await fetch(path, { method: "POST", headers });
    if (!response.ok) {
      throw new Error(await errorText(response));
    }
    return response.json();
  }

  async function errorText(response) {
    try {
      return (await response.json()).error || `${response.status} ${response.statusText}`;
    } catch {
      return `${response.status} ${response.statusText}`;
    }
  }

  const apiKey = () => sessionStorage.getItem(keyName) || "";
  const setApiKey = key => key ? sessionStorage.setItem(keyName, key) : sessionStorage.removeItem(keyName);

  const ms = v => v == null ? "—" : v >= 100 ? `${v.toFixed(1)} ms` : `${v.toFixed(3)} ms`;
  const mib = b => b == null ? "—" : `${(b / 1048576).toFixed(1)} MiB`;
  const percent = v => v == null ? "—" : `${(100 * v).toFixed(1)}%`;
  const speedup = s => s.bestLatencyMs && s.baselineLatencyMs ? `${(s.baselineLatencyMs / s.bestLatencyMs).toFixed(2)}x` : "—";
  const time = t => t ? new Date(t).toLocaleString() : "—";

  // el("td", { class: "num" }, "text", childNode): children are text or nodes; null children are skipped.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value != null) {
        node.setAttribute(name, value);
      }
    }
    for (const child of children.flat()) {
      if (child != null) {
        node.append(child instanceof Node ? child : String(child));
      }
    }
    return node;
  }

  const status = name => el("span", { class: `status ${name}`, "data-status": name }, name);

  function bar(fraction) {
    const fill = el("span");
    fill.style.width = `${Math.round(100 * Math.max(0, Math.min(1, fraction || 0)))}%`;
    return el("span", { class: "bar" }, fill);
  }

  // Replaces a table body's rows.
  function rows(tbody, list) {
    tbody.replaceChildren(...list);
  }

  // Polls fn every period ms; errors are shown in the element, and polling goes on (a restarting silo comes back).
  function poll(fn, period, messageElement) {
    const tick = async () => {
      try {
        await fn();
        if (messageElement) {
          messageElement.textContent = "";
        }
      } catch (e) {
        if (messageElement) {
          messageElement.textContent = e.message;
        }
      }
      setTimeout(tick, period);
    };
    tick();
  }

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(svgNs, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, value);
    }
    for (const child of children.flat()) {
      if (child != null) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    }
    return node;
  }

  // A linear or logarithmic scale from [lo, hi] onto [a, b], with a few round ticks.
  function scale(lo, hi, a, b, log) {
    if (!(hi > lo)) {
      hi = lo === 0 ? 1 : lo * 1.1;
      lo = lo === 0 ? 0 : lo * 0.9;
    }
    const f = log ? Math.log10 : x => x;
    const [flo, fhi] = [f(lo), f(hi)];
    const map = v => a + (f(v) - flo) / (fhi - flo) * (b - a);
    let ticks;
    let text = v => Math.abs(v) >= 1 ? String(+v.toFixed(2)) : String(+v.toPrecision(2));
    if (log) {
      ticks = [];
      for (let e = Math.floor(flo); e <= Math.ceil(fhi); e++) {
        for (const m of [1, 2, 5]) {
          const t = m * 10 ** e;
          if (t >= lo && t <= hi) {
            ticks.push(t);
          }
        }
      }
    } else {
      const step0 = (hi - lo) / 5;
      const mag = 10 ** Math.floor(Math.log10(step0));
      const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= step0);
      ticks = [];
      for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) {
        ticks.push(+t.toPrecision(12));
      }
      // As many decimals as the step needs, so neighbouring ticks never read the same.
      const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
      text = v => v.toFixed(decimals);
    }
    return { map, ticks, text };
  }

  // Axes, grid and labels inside a 0..w x 0..h view box; returns the plot area.
  function frame(root, xs, ys, xLabel, yLabel, w, h) {
    const area = { left: 56, right: w - 12, top: 10, bottom: h - 38 };
    for (const t of ys.ticks) {
      const y = ys.map(t);
      root.append(svg("line", { class: "gridline", x1: area.left, x2: area.right, y1: y, y2: y }),
        svg("text", { x: area.left - 6, y: y + 4, "text-anchor": "end" }, ys.text(t)));
    }
    for (const t of xs.ticks) {
      const x = xs.map(t);
      root.append(svg("line", { class: "axis", x1: x, x2: x, y1: area.bottom, y2: area.bottom + 4 }),
        svg("text", { x, y: area.bottom + 16, "text-anchor": "middle" }, xs.text(t)));
    }
    root.append(
      svg("line", { class: "axis", x1: area.left, x2: area.right, y1: area.bottom, y2: area.bottom }),
      svg("line", { class: "axis", x1: area.left, x2: area.left, y1: area.top, y2: area.bottom }),
      svg("text", { x: (area.left + area.right) / 2, y: h - 4, "text-anchor": "middle" }, xLabel),
      svg("text", { x: 12, y: (area.top + area.bottom) / 2, transform: `rotate(-90 12 ${(area.top + area.bottom) / 2})`, "text-anchor": "middle" }, yLabel));
    return area;
  }

  // The convergence curve: each episode's own cost as a dot, the best confirmed cost so far as a step line.
  function convergence(element, best, episodes, budget) {
    const w = 640, h = 300;
    const root = svg("g");
    const values = [...best, ...episodes].filter(v => v != null && isFinite(v) && v > 0);
    const count = Math.max(best.length, episodes.length);
    element.setAttribute("viewBox", `0 0 ${w} ${h}`);
    element.setAttribute("data-episodes", String(count));
    element.replaceChildren(root);
    if (values.length === 0) {
      root.append(svg("text", { x: w / 2, y: h / 2, "text-anchor": "middle" }, "no episode yet"));
      return;
    }
    const lo = Math.min(...values), hi = Math.max(...values);
    const log = hi / lo > 8;
    const x = scale(1, Math.max(budget || count, 2), 56, w - 12, false);
    const y = scale(log ? lo / 1.1 : 0, hi * 1.05, h - 38, 10, log);
    frame(root, x, y, "episode", "cost (ms)", w, h);
    episodes.forEach((v, i) => {
      if (v != null && isFinite(v) && v > 0) {
        root.append(svg("circle", { class: "episode", cx: x.map(i + 1), cy: y.map(v), r: 2.6 }));
      }
    });
    let path = "";
    best.forEach((v, i) => {
      if (v != null && isFinite(v) && v > 0) {
        const px = x.map(i + 1), py = y.map(v);
        path += path === "" ? `M${px},${py}` : `H${px}V${py}`;
      }
    });
    if (path !== "") {
      root.append(svg("path", { class: "best", d: path }));
    }
  }

  // The Pareto front: latency against peak memory of the non-dominated confirmed plans.
  function pareto(element, points) {
    const w = 640, h = 300;
    const root = svg("g");
    element.setAttribute("viewBox", `0 0 ${w} ${h}`);
    element.setAttribute("data-points", String(points.length));
    element.replaceChildren(root);
    if (points.length === 0) {
      root.append(svg("text", { x: w / 2, y: h / 2, "text-anchor": "middle" }, "no plan confirmed end-to-end yet"));
      return;
    }
    const mem = points.map(p => p.peakBytes / 1048576), lat = points.map(p => p.latencyMs);
    const pad = (lo, hi) => hi > lo ? [lo - (hi - lo) * 0.08, hi + (hi - lo) * 0.08] : [lo * 0.9, hi * 1.1];
    const [mlo, mhi] = pad(Math.min(...mem), Math.max(...mem));
    const [llo, lhi] = pad(Math.min(...lat), Math.max(...lat));
    const x = scale(mlo, mhi, 56, w - 12, false);
    const y = scale(llo, lhi, h - 38, 10, false);
    frame(root, x, y, "peak memory (MiB)", "latency (ms)", w, h);
    const sorted = points.map((p, i) => ({ x: x.map(mem[i]), y: y.map(lat[i]), int8: p.usesInt8, p })).sort((a, b) => a.x - b.x);
    root.append(svg("path", { class: "front", d: sorted.map((q, i) => `${i ? "L" : "M"}${q.x},${q.y}`).join("") }));
    for (const q of sorted) {
      root.append(svg("circle", { class: q.int8 ? "point int8" : "point", cx: q.x, cy: q.y, r: 4.5 },
        svg("title", {}, `${ms(q.p.latencyMs)}, ${mib(q.p.peakBytes)}${q.int8 ? ", INT8" : ""}`)));
    }
  }

  return { get, post, apiKey, setApiKey, ms, mib, percent, speedup, time, el, status, bar, rows, poll, convergence, pareto };
})();
