/* samsim replay viewer: draws one run served by `samsim serve` (no network beyond it). */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const KIND_LABEL = {
    detection: "detection", track_start: "track start", track_confirmed: "track confirmed",
    track_end: "track end", assignment: "assignment", launch: "launch", intercept: "intercept",
    interceptor_end: "interceptor end", kill: "kill", leak: "leak", threat_end: "threat end",
    node_lost: "node lost", emission_on: "emission on", emission_off: "emission off",
    relocate: "relocate",
  };

  const S = {
    runIndex: 0, doc: null, t: 0, playing: false, speed: 10, lastFrame: 0,
    threatLayers: [], interceptorLayers: [], selected: null,
    detShown: 0, eventShown: -1, markShown: 0, coverageTicket: 0,
  };
  window.samsimViewer = {
    ready: false, state: S, setTime: (t) => setTime(t),
    fit: () => { if (S.bounds) map.fitBounds(S.bounds, { animate: false }); },
  };

  function fail(msg) {
    const e = $("error");
    e.textContent = msg;
    e.hidden = false;
  }

  async function getJSON(url) {
    const r = await fetch(url);
    const body = await r.json();
    if (!r.ok) throw new Error(body.detail || r.statusText);
    return body;
  }

  function fmtT(t) { return t == null ? "–" : t.toFixed(1); }
  function km(m) { return m == null ? "–" : (m / 1000).toFixed(1) + " km"; }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  // index of the last sample with t <= x (or -1)
  function upper(arr, x) {
    let lo = 0, hi = arr.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (arr[m] <= x) lo = m + 1; else hi = m; }
    return lo - 1;
  }
  function interp(tr, i, t, key) {
    if (i >= tr.t.length - 1) return tr[key][tr.t.length - 1];
    const t0 = tr.t[i], t1 = tr.t[i + 1];
    const w = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
    return tr[key][i] + (tr[key][i + 1] - tr[key][i]) * w;
  }

  // ---------------------------------------------------------------- map
  const map = L.map("map", { zoomSnap: 0.25, preferCanvas: false, worldCopyJump: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("outlines: Natural Earth (public domain), via world-atlas");
  const panes = ["land", "shade", "coverage", "tracks", "events", "sites"];
  panes.forEach((p, k) => { map.createPane(p); map.getPane(p).style.zIndex = 300 + 10 * k; });
  map.getPane("land").style.pointerEvents = "none";
  map.getPane("shade").style.pointerEvents = "none";
  map.getPane("coverage").style.pointerEvents = "none";
  const svg = L.svg({ pane: "tracks" });
  const layers = {
    land: L.layerGroup().addTo(map),
    graticule: L.layerGroup().addTo(map),
    shade: L.layerGroup().addTo(map),
    rings: L.layerGroup().addTo(map),
    coverage: L.layerGroup().addTo(map),
    tracks: L.layerGroup().addTo(map),
    detections: L.layerGroup().addTo(map),
    marks: L.layerGroup().addTo(map),
    sites: L.layerGroup().addTo(map),
  };
  L.control.scale({ imperial: false }).addTo(map);
  window.samsimViewer.map = map;

  async function loadLand() {
    try {
      const topo = await getJSON("/static/vendor/world-atlas/countries-50m.json");
      // canvas: thousands of coastline vertices draw far faster than as SVG
      const renderer = L.canvas({ pane: "land", padding: 0.2 });
      const land = topojson.feature(topo, topo.objects.land);
      L.geoJSON(land, {
        renderer, interactive: false,
        style: { color: "#a89f86", weight: 0.8, fillColor: getCss("--land"), fillOpacity: 1 },
      }).addTo(layers.land);
      L.geoJSON(topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b), {
        renderer, interactive: false, style: { color: "#b8ae94", weight: 0.6, dashArray: "3 3" },
      }).addTo(layers.land);
      window.samsimViewer.landPolygons = land.features.reduce(
        (n, f) => n + (f.geometry.type === "MultiPolygon" ? f.geometry.coordinates.length : 1), 0);
    } catch (e) { fail("land outlines: " + e.message); }
  }
  function getCss(v) { return getComputedStyle(document.documentElement).getPropertyValue(v).trim(); }

  function drawGraticule(bounds) {
    layers.graticule.clearLayers();
    const s = Math.floor(bounds.getSouth()) - 2, n = Math.ceil(bounds.getNorth()) + 2;
    const w = Math.floor(bounds.getWest()) - 3, e = Math.ceil(bounds.getEast()) + 3;
    const style = { pane: "land", color: "#9bb7cc", weight: 0.5, interactive: false };
    for (let la = s; la <= n; la++) L.polyline([[la, w], [la, e]], style).addTo(layers.graticule);
    for (let lo = w; lo <= e; lo++) L.polyline([[s, lo], [n, lo]], style).addTo(layers.graticule);
  }

  const SITE_SYMBOL = { radar: "▲", launcher: "■", command_post: "★", asset: "◆" };
  function drawSites(doc) {
    layers.sites.clearLayers();
    layers.rings.clearLayers();
    for (const s of doc.sites) {
      if (s.kind === "asset" && s.radius_m) {
        L.circle([s.lat, s.lon], { radius: s.radius_m, pane: "sites", color: getCss("--asset"), weight: 1.5, fillOpacity: 0.15 })
          .addTo(layers.sites);
      }
      const icon = L.divIcon({ className: "site-icon site-" + s.kind, html: SITE_SYMBOL[s.kind] || "•", iconSize: [16, 16] });
      const m = L.marker([s.lat, s.lon], { icon, pane: "sites", keyboard: false, title: s.name });
      const extra = s.kind === "radar" && s.instrumented_range_m
        ? `<br>instrumented range ${km(s.instrumented_range_m)}` : "";
      const load = s.load ? "<br>load " + Object.entries(s.load).map(([k, v]) => `${v} × ${esc(k)}`).join(", ") : "";
      m.bindTooltip(`<b>${esc(s.name)}</b> ${esc(s.type)}${s.unit ? " (" + esc(s.unit) + ")" : ""}${extra}${load}`);
      m.on("add", () => { const el = m.getElement(); if (el) el.dataset.site = s.kind; });
      m.addTo(layers.sites);
    }
  }

  // ------------------------------------------------------------- coverage
  async function loadCoverage() {
    const doc = S.doc;
    layers.coverage.clearLayers();
    const status = $("coverage-status");
    if (!doc.coverage_available) { status.textContent = "coverage not shown: " + doc.coverage_reason; return; }
    const tt = $("cov-threat").value;
    const h = $("cov-height").value;
    const q = new URLSearchParams({ run: S.runIndex, threat_type: tt });
    if (h !== "default") q.set("height_m", h);
    status.textContent = "computing coverage…";
    const ticket = ++S.coverageTicket;
    try {
      const cov = await getJSON("/api/coverage?" + q);
      if (ticket !== S.coverageTicket) return;  // a newer choice is on its way
      layers.coverage.clearLayers();
      layers.rings.clearLayers();
      if (!cov.available) { status.textContent = "coverage not shown: " + cov.reason; return; }
      for (const o of cov.outlines) {
        L.polygon(o.outline, {
          pane: "coverage", color: getCss("--radar"), weight: 1.2, fillColor: getCss("--radar"),
          fillOpacity: 0.07, interactive: false, className: "coverage-outline",
        }).addTo(layers.coverage);
        L.circle(o.site, {
          radius: o.naive_range_m, pane: "coverage", color: getCss("--radar"), weight: 1,
          dashArray: "6 5", fill: false, interactive: false, className: "range-ring",
        }).addTo(layers.rings);
      }
      const far = cov.outlines.map((o) => `${esc(o.radar)} ${km(o.max_range_m)} ` +
        `(ring ${km(o.naive_range_m)})`).join(", ");
      status.innerHTML = `${esc(cov.threat_type)} (${cov.rcs_m2} m², Swerling ${cov.swerling}) at ` +
        `${cov.height_m} m above ground: ${far}. Shaded: line of sight and Pd &ge; 0.5; ` +
        "dashed ring: min(instrumented range, free-space radar equation).";
      status.dataset.outlines = String(cov.outlines.length);
      applyToggles();
    } catch (e) { status.textContent = "coverage failed: " + e.message; }
  }

  async function loadTerrain() {
    layers.shade.clearLayers();
    const st = $("terrain-status");
    try {
      const t = await getJSON("/api/terrain?run=" + S.runIndex);
      if (t.kind === "shaded") {
        L.imageOverlay(t.image, t.bounds, { pane: "shade", opacity: 1, interactive: false }).addTo(layers.shade);
        st.textContent = `terrain shaded (relief ${Math.round(t.relief_m)} m)`;
      } else if (t.kind === "flat") {
        st.textContent = "terrain: flat (no shading)";
      } else {
        st.textContent = "terrain: unknown (" + (t.reason || "") + ")";
      }
    } catch (e) { st.textContent = "terrain: " + e.message; }
  }

  // --------------------------------------------------------------- tracks
  function buildTracks(doc) {
    layers.tracks.clearLayers();
    S.threatLayers = doc.threats.map((tr) => {
      const line = L.polyline([], {
        renderer: svg, color: getCss("--threat"), weight: 2, opacity: 0.85, className: "threat-track",
      }).addTo(layers.tracks);
      const dot = L.circleMarker([tr.lat[0], tr.lon[0]], {
        renderer: svg, radius: 5, color: "#7f0000", weight: 1.5, fillColor: getCss("--threat"),
        fillOpacity: 1, className: "threat-marker",
      });
      const pick = () => selectThreat(tr.id);
      line.on("click", pick);
      dot.on("click", pick);
      dot.bindTooltip(() => `${esc(tr.name)} (${esc(tr.type)})`, { direction: "top" });
      return { tr, line, dot, last: -2, on: false };
    });
    S.interceptorLayers = doc.interceptors.map((tr) => {
      const line = L.polyline([], {
        renderer: svg, color: getCss("--interceptor"), weight: 1.5, opacity: 0.9, className: "interceptor-track",
      }).addTo(layers.tracks);
      const dot = L.circleMarker([0, 0], {
        renderer: svg, radius: 3, color: getCss("--interceptor"), weight: 1, fillOpacity: 1,
        className: "interceptor-marker", interactive: false,
      });
      return { tr, line, dot, last: -2, on: false };
    });
    for (const L_ of S.threatLayers) { const el = L_.line.getElement(); if (el) el.dataset.threatId = L_.tr.id; }
  }

  function updateTrack(obj, t) {
    const tr = obj.tr;
    const n = tr.t.length;
    if (!n) return;
    const i = upper(tr.t, t);
    const active = i >= 0 && t <= tr.t[n - 1];
    if (i === obj.last && !active) return;
    obj.last = i;
    if (i < 0) {
      obj.line.setLatLngs([]);
      if (obj.on) { obj.dot.remove(); obj.on = false; }
      return;
    }
    const pts = new Array(i + 1);
    for (let k = 0; k <= i; k++) pts[k] = [tr.lat[k], tr.lon[k]];
    if (active && i < n - 1) pts.push([interp(tr, i, t, "lat"), interp(tr, i, t, "lon")]);
    obj.line.setLatLngs(pts);
    if (active) {
      obj.dot.setLatLng(pts[pts.length - 1]);
      if (!obj.on) {
        obj.dot.addTo(layers.tracks);
        obj.on = true;
        const el = obj.dot.getElement();
        if (el && obj.tr.id != null) el.dataset.id = obj.tr.id;
      }
    } else if (obj.on) { obj.dot.remove(); obj.on = false; }
  }

  // --------------------------------------------------------------- events
  function eventRows(doc) {
    const ev = doc.events;
    const n = ev.t.length;
    S.detIdx = [];
    S.markIdx = [];
    for (let k = 0; k < n; k++) {
      if (ev.lat[k] == null) continue;
      if (ev.kind[k] === "detection") S.detIdx.push(k);
      else if (["track_start", "intercept", "leak", "kill", "node_lost"].includes(ev.kind[k])) S.markIdx.push(k);
    }
    S.detMarkers = S.detIdx.map((k) => L.circleMarker([ev.lat[k], ev.lon[k]], {
      radius: 1.8, stroke: false, fillColor: "#555", fillOpacity: 0.55, pane: "events",
      interactive: false, className: "det-marker",
    }));
    S.markMarkers = S.markIdx.map((k) => {
      const kind = ev.kind[k];
      if (kind === "track_start") {
        return L.circleMarker([ev.lat[k], ev.lon[k]], {
          radius: 5, color: "#e08214", weight: 1.5, fill: false, pane: "events", className: "trackstart-marker",
        }).bindTooltip(`track ${ev.track_id[k]} started (${esc(ev.threat[k] || "false alarm")})`);
      }
      if (kind === "node_lost") {
        // a radar, launcher or command post of the defence destroyed where it stood
        return L.marker([ev.lat[k], ev.lon[k]], {
          icon: L.divIcon({ className: "event-icon event-node-lost", html: "✖", iconSize: [22, 22] }),
          // over the site's own symbol (the sites pane is above the events pane)
          pane: "sites", zIndexOffset: 1000, keyboard: false,
        }).bindTooltip(`${esc(ev.asset[k])} (${esc(ev.detail[k])}) destroyed by ${esc(ev.threat[k] || "a threat")} at t = ${fmtT(ev.t[k])} s`);
      }
      const html = kind === "kill" ? "✸" : kind === "leak" ? "◎" : ev.detail[k] === "kill" ? "" : "✕";
      if (!html) return null;
      const cls = kind === "kill" ? "event-kill" : kind === "leak" ? "event-leak" : "event-miss";
      const tip = kind === "kill" ? `${esc(ev.threat[k])} killed at t = ${fmtT(ev.t[k])} s`
        : kind === "leak" ? `${esc(ev.threat[k])} reached ${esc(ev.asset[k])} at t = ${fmtT(ev.t[k])} s`
          : `interceptor ${ev.interceptor_id[k]} did not kill ${esc(ev.threat[k])}: closest approach ${ev.miss_m[k]} m`
            + (ev.pk && ev.pk[k] != null ? `, kill probability ${ev.pk[k]} there (the draw failed)` : "");
      return L.marker([ev.lat[k], ev.lon[k]], {
        icon: L.divIcon({ className: "event-icon " + cls, html, iconSize: [20, 20] }),
        pane: "events", keyboard: false,
      }).bindTooltip(tip);
    });
    S.detShown = 0;
    S.markShown = 0;
    S.eventShown = -2;
  }

  function showIncremental(idx, markers, shown, group, t) {
    const ev = S.doc.events;
    let target = 0;
    { let lo = 0, hi = idx.length; while (lo < hi) { const m = (lo + hi) >> 1; if (ev.t[idx[m]] <= t) lo = m + 1; else hi = m; } target = lo; }
    if (target < shown) { group.clearLayers(); shown = 0; }
    for (let k = shown; k < target; k++) if (markers[k]) markers[k].addTo(group);
    return target;
  }

  function whoOf(ev, k) {
    const parts = [];
    if (ev.threat[k]) parts.push(ev.threat[k]);
    else if (ev.kind[k] === "detection" || ev.kind[k].startsWith("track")) parts.push("false alarm");
    if (ev.interceptor_id[k] >= 0) parts.push("#" + ev.interceptor_id[k]);
    return parts.join(" ");
  }
  function detailOf(ev, k) {
    switch (ev.kind[k]) {
      case "detection": return `${ev.sensor[k]} at ${km(ev.range_m[k])}`;
      case "track_start": case "track_confirmed": return `track ${ev.track_id[k]} (${ev.unit[k]})`;
      case "track_end": return `track ${ev.track_id[k]}: ${ev.detail[k]}`;
      case "assignment": return `${ev.unit[k]}: ${ev.missile_type[k]}`;
      case "launch": return `${ev.missile_type[k]} from ${ev.launcher[k]}`;
      case "intercept": return `${ev.detail[k]}, miss ${ev.miss_m[k]} m`;
      case "interceptor_end": return ev.detail[k];
      case "leak": return `reached ${ev.asset[k]}`;
      case "kill": return `by #${ev.interceptor_id[k]}`;
      case "node_lost": return `${ev.asset[k]} (${ev.detail[k]}) destroyed`;
      case "emission_on": case "emission_off": return `${ev.sensor[k]}: ${ev.detail[k]}`;
      default: return ev.detail[k];
    }
  }

  function updateEventTable(t) {
    const ev = S.doc.events;
    const last = upper(ev.t, t);
    if (last === S.eventShown) return;
    S.eventShown = last;
    const body = $("event-table").tBodies[0];
    const rows = [];
    const first = Math.max(0, last - 199);
    for (let k = last; k >= first; k--) {
      rows.push(`<tr data-k="${k}"${k === last ? ' class="latest"' : ""}><td>${fmtT(ev.t[k])}</td>` +
        `<td class="kind-${ev.kind[k]}">${KIND_LABEL[ev.kind[k]] || esc(ev.kind[k])}</td>` +
        `<td>${esc(whoOf(ev, k))}</td><td>${esc(detailOf(ev, k))}</td></tr>`);
    }
    body.innerHTML = rows.join("");
    $("event-count").textContent = `${last + 1} of ${ev.t.length}` +
      (ev.detections_thinned ? ` (detections thinned from ${ev.detections_total})` : "");
    $("event-table").dataset.rows = String(last + 1);
  }

  // ------------------------------------------------------------ timeline
  function selectThreat(id) {
    const doc = S.doc;
    const tr = doc.threats.find((x) => x.id === id);
    if (!tr) return;
    S.selected = id;
    for (const o of S.threatLayers) {
      o.line.setStyle({ weight: o.tr.id === id ? 4 : 2, opacity: o.tr.id === id ? 1 : 0.6 });
    }
    for (const row of $("threat-table").tBodies[0].rows) row.classList.toggle("selected", Number(row.dataset.id) === id);
    const tl = tr.timeline || {};
    const item = (label, t, extra, cls) => `<li data-step="${label}"${cls ? ` class="${cls}"` : ""}>` +
      (t == null ? `${label}: <span class="t">never</span>` :
        `<a data-t="${t}">${label}</a> <span class="t">t = ${fmtT(t)} s</span>`) + (extra ? ` — ${extra}` : "") + "</li>";
    const items = [
      item("appeared", tl.appear_s, esc(tr.type)),
      item("first detected", tl.first_detection_s,
        tl.first_detection_s == null ? "" : `by ${esc(tl.first_detection_sensor)} at ${km(tl.first_detection_range_m)}`),
      item("track started", tl.track_start_s),
      item("track confirmed", tl.track_confirmed_s),
      item("engaged", tl.engaged_s),
    ];
    const icpt = {};
    for (const x of tl.intercepts || []) icpt[x.interceptor_id] = x;
    for (const l of tl.launches || []) {
      const x = icpt[l.interceptor_id];
      const res = x ? `${x.result} (miss ${x.miss_m == null ? "?" : x.miss_m.toFixed(1)} m at t = ${fmtT(x.time_s)} s)` : "no intercept";
      items.push(item("missile fired", l.time_s, `${esc(l.missile_type)} #${l.interceptor_id} from ${esc(l.launcher)}: ${res}`));
    }
    if (!(tl.launches || []).length) items.push('<li data-step="missiles fired">missiles fired: none</li>');
    items.push(item("outcome: " + (tl.outcome || "?"), tl.outcome_s, esc(tl.outcome_detail || ""), "outcome-" + tl.outcome));
    $("timeline-list").innerHTML = items.join("");
    $("timeline-name").textContent = `${tr.name}`;
    $("timeline").dataset.threatId = String(id);
    $("timeline").dataset.outcome = tl.outcome || "";
    $("timeline").hidden = false;
    drawSideView();
  }

  function buildThreatTable(doc) {
    const body = $("threat-table").tBodies[0];
    body.innerHTML = doc.threats.map((tr) => `<tr data-id="${tr.id}"><td>${esc(tr.name)}</td>` +
      `<td>${esc(tr.type)}</td><td>${esc(tr.outcome)}</td></tr>`).join("");
    $("threat-count").textContent = `${doc.threats.length}, ${doc.interceptors.length} interceptors`;
  }

  // ------------------------------------------------------------ side view
  function drawSideView() {
    const cv = $("sideview");
    const dpr = window.devicePixelRatio || 1;
    const W = cv.clientWidth, H = cv.clientHeight;
    if (!W || !H || !S.doc) return;
    if (cv.width !== W * dpr) { cv.width = W * dpr; cv.height = H * dpr; }
    const g = cv.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    const doc = S.doc, t = S.t;
    const sqrt = $("sqrt-alt").checked;
    const m = { l: 48, r: 12, t: 10, b: 24 };
    const all = doc.threats.concat(doc.interceptors);
    let rMax = 1000, aMax = 1000;
    for (const tr of all) {
      for (let k = 0; k < tr.t.length; k++) { if (tr.range[k] > rMax) rMax = tr.range[k]; if (tr.alt[k] > aMax) aMax = tr.alt[k]; }
    }
    rMax *= 1.05; aMax *= 1.1;
    const fy = (a) => sqrt ? Math.sqrt(Math.max(a, 0) / aMax) : Math.max(a, 0) / aMax;
    const X = (r) => m.l + (W - m.l - m.r) * (r / rMax);
    const Y = (a) => H - m.b - (H - m.t - m.b) * fy(a);
    g.strokeStyle = "#bbb"; g.fillStyle = "#555"; g.lineWidth = 1; g.font = "11px system-ui, sans-serif";
    g.beginPath(); g.moveTo(m.l, m.t); g.lineTo(m.l, H - m.b); g.lineTo(W - m.r, H - m.b); g.stroke();
    const rStep = niceStep(rMax / 1000 / 8) * 1000;
    g.textAlign = "center";
    for (let r = 0; r <= rMax; r += rStep) { g.fillText(String(Math.round(r / 1000)), X(r), H - m.b + 13); }
    g.fillText(`ground range from ${doc.side_view.reference} (km)`, (m.l + W - m.r) / 2, H - 1);
    g.textAlign = "right";
    const ticks = sqrt ? [0, 100, 1000, 5000, 10000, 20000, 30000, 50000] : null;
    const aStep = niceStep(aMax / 1000 / 5) * 1000;
    const aTicks = ticks ? ticks.filter((a) => a <= aMax) : Array.from({ length: Math.floor(aMax / aStep) + 1 }, (_, k) => k * aStep);
    for (const a of aTicks) {
      g.fillText(a >= 1000 ? (a / 1000) + " km" : a + " m", m.l - 4, Y(a) + 4);
      g.strokeStyle = "#eee"; g.beginPath(); g.moveTo(m.l + 1, Y(a)); g.lineTo(W - m.r, Y(a)); g.stroke();
    }
    const hz = doc.side_view.horizon;
    if (hz) {
      g.strokeStyle = "#762a83"; g.setLineDash([5, 4]); g.beginPath();
      hz.range.forEach((r, k) => { const a = Math.min(hz.alt[k], aMax); k ? g.lineTo(X(r), Y(a)) : g.moveTo(X(r), Y(a)); });
      g.stroke(); g.setLineDash([]);
      g.fillStyle = "#762a83"; g.textAlign = "left";
      g.fillText("radar horizon", X(hz.range[Math.floor(hz.range.length * 0.15)]) + 4, Y(hz.alt[Math.floor(hz.alt.length * 0.15)]) - 4);
    }
    const drawSet = (set, color, width) => {
      for (const tr of set) {
        const i = upper(tr.t, t);
        if (i < 0) continue;
        const sel = tr.timeline && tr.id === S.selected;
        g.strokeStyle = color; g.lineWidth = sel ? 3 : width; g.globalAlpha = sel || S.selected == null ? 0.9 : 0.45;
        g.beginPath();
        for (let k = 0; k <= i; k++) { const x = X(tr.range[k]), y = Y(tr.alt[k]); k ? g.lineTo(x, y) : g.moveTo(x, y); }
        const active = t <= tr.t[tr.t.length - 1];
        let cx = X(tr.range[i]), cy = Y(tr.alt[i]);
        if (active && i < tr.t.length - 1) { cx = X(interp(tr, i, t, "range")); cy = Y(interp(tr, i, t, "alt")); g.lineTo(cx, cy); }
        g.stroke();
        if (active) { g.fillStyle = color; g.beginPath(); g.arc(cx, cy, 3, 0, 2 * Math.PI); g.fill(); }
      }
      g.globalAlpha = 1;
    };
    drawSet(doc.threats, getCss("--threat"), 1.5);
    drawSet(doc.interceptors, getCss("--interceptor"), 1);
  }
  function niceStep(x) {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(x, 1e-9))));
    const f = x / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }

  // ---------------------------------------------------------------- clock
  function setTime(t) {
    const doc = S.doc;
    if (!doc) return;
    S.t = Math.min(Math.max(t, doc.meta.start_s), doc.meta.end_s);
    for (const o of S.threatLayers) updateTrack(o, S.t);
    for (const o of S.interceptorLayers) updateTrack(o, S.t);
    if ($("show-detections").checked) S.detShown = showIncremental(S.detIdx, S.detMarkers, S.detShown, layers.detections, S.t);
    S.markShown = showIncremental(S.markIdx, S.markMarkers, S.markShown, layers.marks, S.t);
    updateEventTable(S.t);
    const slider = $("slider");
    if (Math.abs(Number(slider.value) - S.t) > 1e-6) slider.value = String(S.t);
    $("clock").textContent = `t = ${S.t.toFixed(1)} s`;
    $("clock").dataset.t = String(S.t);
    drawSideView();
  }

  function frame(ts) {
    if (!S.playing) return;
    const dt = S.lastFrame ? (ts - S.lastFrame) / 1000 : 0;
    S.lastFrame = ts;
    setTime(S.t + dt * S.speed);
    if (S.t >= S.doc.meta.end_s) { setPlaying(false); return; }
    requestAnimationFrame(frame);
  }
  function setPlaying(on) {
    S.playing = on;
    $("play").innerHTML = on ? "&#10073;&#10073;" : "&#9654;";
    $("play").setAttribute("aria-label", on ? "pause" : "play");
    if (on) {
      if (S.t >= S.doc.meta.end_s) setTime(S.doc.meta.start_s);
      S.lastFrame = 0;
      requestAnimationFrame(frame);
    }
  }

  function applyToggles() {
    const tog = (id, layer) => { if ($(id).checked) layer.addTo(map); else layer.remove(); };
    tog("show-coverage", layers.coverage);
    tog("show-rings", layers.rings);
    if ($("show-detections").checked) { layers.detections.addTo(map); S.detShown = showIncremental(S.detIdx || [], S.detMarkers || [], S.detShown, layers.detections, S.t); }
    else { layers.detections.remove(); }
  }

  function summaryChips(doc) {
    const s = doc.summary || {};
    const chip = (label, v, cls) => `<span class="chip ${cls || ""}">${label} <b>${v}</b></span>`;
    $("summary").innerHTML = [
      chip("seed", doc.meta.seed), chip("threats", s.threats), chip("detected", s.detected),
      chip("engaged", s.engaged), chip("killed", s.killed, "killed"), chip("leaked", s.leaked, "leaked"),
      chip("interceptors", s.interceptors_fired_total),
      ...(s.false_alarms != null ? [chip("false alarms", s.false_alarms)] : []),
    ].join("");
    $("scenario-name").textContent = `— ${doc.meta.scenario}`;
    document.title = `samsim replay — ${doc.meta.scenario} seed ${doc.meta.seed}`;
  }

  async function loadRun(i) {
    setPlaying(false);
    S.runIndex = i;
    S.selected = null;
    $("timeline").hidden = true;
    window.samsimViewer.ready = false;
    const doc = await getJSON("/api/replay?run=" + i);
    S.doc = doc;
    summaryChips(doc);
    drawSites(doc);
    buildTracks(doc);
    buildThreatTable(doc);
    layers.detections.clearLayers();
    layers.marks.clearLayers();
    eventRows(doc);
    const sel = $("cov-threat");
    const sig = doc.threat_signatures || {};
    const types = Object.keys(sig);
    sel.innerHTML = types.map((k) => `<option value="${esc(k)}">${esc(k)} (${sig[k].rcs_m2} m²)</option>`).join("");
    if (types.length) sel.value = types.reduce((a, b) => (sig[a].rcs_m2 <= sig[b].rcs_m2 ? a : b));
    const pts = [];
    for (const s of doc.sites) pts.push([s.lat, s.lon]);
    for (const tr of doc.threats) for (let k = 0; k < tr.t.length; k += Math.max(1, tr.t.length >> 4)) pts.push([tr.lat[k], tr.lon[k]]);
    const bounds = L.latLngBounds(pts);
    S.bounds = bounds.pad(0.08);
    map.fitBounds(S.bounds);
    drawGraticule(bounds);
    const slider = $("slider");
    slider.min = String(doc.meta.start_s);
    slider.max = String(doc.meta.end_s);
    slider.step = "any";
    S.t = doc.meta.start_s;
    setTime(doc.meta.start_s);
    applyToggles();
    loadTerrain();
    await loadCoverage();
    window.samsimViewer.ready = true;
    document.body.dataset.ready = "1";
  }

  function legend() {
    const c = L.control({ position: "bottomleft" });
    c.onAdd = () => {
      const d = L.DomUtil.create("div", "legend");
      d.innerHTML = '<i style="color:#762a83">▲</i> radar <i style="color:#4d4d4d">■</i> launcher ' +
        '<i style="color:#b35806">★</i> command post <i style="color:#1b7837">◆</i> asset<br>' +
        '<i style="color:#d7301f">—</i> threat <i style="color:#2166ac">—</i> interceptor ' +
        '<i style="color:#e08214">○</i> track start <i style="color:#1b7837">✸</i> kill ' +
        '<i style="color:#e08214">✕</i> miss <i style="color:#d7301f">◎</i> leak ' +
        '<i style="color:#762a83">✖</i> node lost';
      return d;
    };
    c.addTo(map);
  }

  // ------------------------------------------------------------ wiring
  $("play").addEventListener("click", () => setPlaying(!S.playing));
  $("speed").addEventListener("change", (e) => { S.speed = Number(e.target.value); });
  $("slider").addEventListener("input", (e) => { setTime(Number(e.target.value)); });
  $("cov-threat").addEventListener("change", loadCoverage);
  $("cov-height").addEventListener("change", loadCoverage);
  for (const id of ["show-coverage", "show-rings", "show-detections"]) $(id).addEventListener("change", applyToggles);
  $("sqrt-alt").addEventListener("change", drawSideView);
  $("timeline-close").addEventListener("click", () => {
    $("timeline").hidden = true; S.selected = null;
    for (const o of S.threatLayers) o.line.setStyle({ weight: 2, opacity: 0.85 });
    drawSideView();
  });
  $("timeline-list").addEventListener("click", (e) => {
    const a = e.target.closest("a[data-t]");
    if (a) setTime(Number(a.dataset.t));
  });
  $("threat-table").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (row) selectThreat(Number(row.dataset.id));
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
    if (e.key === " ") { e.preventDefault(); setPlaying(!S.playing); }
  });
  window.addEventListener("resize", drawSideView);
  $("run-select").addEventListener("change", (e) => loadRun(Number(e.target.value)).catch((x) => fail(x.message)));

  (async () => {
    legend();
    const land = loadLand();
    try {
      const runs = await getJSON("/api/runs");
      const sel = $("run-select");
      sel.innerHTML = runs.runs.map((r) => `<option value="${r.index}">${esc(r.path)}</option>`).join("");
      $("run-picker").hidden = runs.runs.length < 2;
      await loadRun(0);
    } catch (e) { fail("cannot load the run: " + e.message); }
    await land;
  })();
})();
