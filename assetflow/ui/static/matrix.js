/* assetflow status matrix: paints one status byte per partition onto a canvas.
 *
 * Payload (GET /api/matrix, see assetflow/ui/matrix.py): "AFM1", uint32 little-endian header
 * length, a JSON header {legend, severity, groups: [{rule, assets, due, offset}]}, then the
 * status codes of every group (rows = assets, row-major). Keys are never sent for time
 * partitions: keyAt(rule, i) derives them exactly as assetflow/ui/keyrule.py does.
 *
 * Each element `.matrix[data-src][data-group]` gets a painter: the cells are written straight
 * into an ImageData (one pass over device pixels; a pixel covering several partitions shows the
 * most severe state), names and the key axis are drawn on top. Drag pans, Ctrl/Cmd + wheel and
 * the buttons zoom, hovering names the partition, clicking opens it (or zooms in when one pixel
 * still covers several partitions).
 *
 * While a partition shows as running, the payload is fetched again every 2 s (an unchanged
 * snapshot costs a 304) and repainted in place; polling stops once nothing runs.
 */
(function () {
  "use strict";
  const DAY = 86400000;
  const HOUR = 3600000;
  const BG = 0xffffffff;
  const MAX_FIT = 24; // px per partition when everything fits
  const MAX_ZOOM = 48;
  const pad = (n, w = 2) => String(n).padStart(w, "0");

  function decode(buffer) {
    const bytes = new Uint8Array(buffer);
    const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
    if (magic !== "AFM1") throw new Error("not a status matrix payload");
    const size = new DataView(buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size)));
    const body = bytes.subarray(8 + size);
    for (const g of header.groups) {
      g.codes = body.subarray(g.offset, g.offset + g.assets.length * g.rule.count);
    }
    return header;
  }

  // ---- partition keys from a rule (mirror of keyrule.py) ----------------------------------

  function isoDate(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  function isoWeek(ms) {
    const weekday = (new Date(ms).getUTCDay() + 6) % 7;
    const thursday = ms + (3 - weekday) * DAY;
    const year = new Date(thursday).getUTCFullYear();
    const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
    return `${year}-W${pad(week)}`;
  }

  const formatters = new Map();
  function wall(ms, timezone) {
    let f = formatters.get(timezone);
    if (!f) {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: timezone, hourCycle: "h23", year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit",
      });
      formatters.set(timezone, f);
    }
    const p = {};
    for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
    const text = `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
    return { text, offset: Math.round((asUtc - ms) / 60000) };
  }

  function keyAt(rule, i) {
    if (i < 0 || i >= rule.count) return null;
    switch (rule.kind) {
      case "daily": {
        const [y, m, d] = rule.start.split("-").map(Number);
        return isoDate(Date.UTC(y, m - 1, d) + i * DAY);
      }
      case "weekly": {
        const [y, m, d] = rule.start.split("-").map(Number);
        const ms = Date.UTC(y, m - 1, d) + i * 7 * DAY;
        return rule.iso ? isoWeek(ms) : isoDate(ms);
      }
      case "monthly": {
        const [y, m] = rule.start.split("-").map(Number);
        const months = y * 12 + (m - 1) + i;
        return `${Math.floor(months / 12)}-${pad((months % 12) + 1)}`;
      }
      case "hourly": {
        const t = rule.start + i * HOUR;
        const here = wall(t, rule.timezone);
        if (i > 0 && wall(t - HOUR, rule.timezone).text === here.text) {
          const o = Math.abs(here.offset);
          const sign = here.offset < 0 ? "-" : "+";
          return `${here.text}${sign}${pad(Math.floor(o / 60))}:${pad(o % 60)}`;
        }
        return here.text;
      }
      default:
        return rule.keys[i];
    }
  }

  // ---- the painter ------------------------------------------------------------------------

  function packColour(hex) {
    const v = parseInt(hex.slice(1), 16);
    return (0xff000000 | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  class Matrix {
    constructor(root, group, header, opts) {
      this.root = root;
      this.group = group;
      this.rule = group.rule;
      this.count = group.rule.count;
      this.rows = group.assets.length;
      this.codes = group.codes;
      this.legend = header.legend;
      this.colours = new Uint32Array(256).fill(BG);
      this.rank = new Uint8Array(256).fill(255);
      for (const s of header.legend) this.colours[s.code] = packColour(s.colour);
      header.severity.forEach((code, r) => { this.rank[code] = r; });
      this.labels = opts.labels;
      this.single = this.count === 1 && group.rule.kind === "keys" && group.rule.keys[0] === "__all__";
      this.rowH = opts.bar ? 28 : this.rows > 300 ? 9 : 14;
      this.axisH = 20;
      this.build();
      this.resize(true);
      new ResizeObserver(() => this.resize(false)).observe(this.stage);
    }

    build() {
      const tools = el("div", "tools");
      const out = el("button", null, "−"), into = el("button", null, "+"), fit = el("button", null, "Fit");
      out.title = "zoom out"; into.title = "zoom in"; fit.title = "show every partition";
      out.onclick = () => this.zoom(1 / 2, this.plotW / 2);
      into.onclick = () => this.zoom(2, this.plotW / 2);
      fit.onclick = () => { this.fit(); this.paint(); };
      this.range = el("span", "range");
      tools.append(out, into, fit, this.range);
      this.stage = el("div");
      this.stage.style.position = "relative";
      this.canvas = el("canvas");
      this.tip = el("div", "tip");
      this.cursor = el("div", "cursor");
      this.stage.append(this.canvas, this.tip, this.cursor);
      this.root.replaceChildren(tools, this.stage);
      if (this.single) tools.hidden = true; // unpartitioned: nothing to zoom or name
      this.root.tabIndex = 0;
      this.ctx = this.canvas.getContext("2d");
      this.ctx.font = "11px system-ui, sans-serif";
      this.gutter = 0;
      if (this.labels) {
        let widest = 0;
        for (const name of this.group.assets) widest = Math.max(widest, this.ctx.measureText(name).width);
        this.gutter = Math.ceil(Math.min(240, widest + 16));
      }
      this.listen();
    }

    resize(first) {
      const dpr = window.devicePixelRatio || 1;
      const width = Math.max(200, this.stage.clientWidth);
      if (!first && width === this.cssW) return;
      const keep = this.plotW ? this.x0 + this.plotW / this.ppc / 2 : null;
      this.cssW = width;
      this.plotW = width - this.gutter - 2;
      this.cssH = this.axisH + this.rows * this.rowH;
      this.dpr = dpr;
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(this.cssH * dpr);
      this.canvas.style.width = width + "px";
      this.canvas.style.height = this.cssH + "px";
      if (first || keep === null) this.fit();
      else { this.ppc = Math.max(this.ppc, this.minPpc()); this.x0 = keep - this.plotW / this.ppc / 2; this.clamp(); }
      this.paint();
    }

    // A few partitions get cells of at most MAX_FIT px; many get the whole width.
    minPpc() { return Math.min(MAX_FIT, this.plotW / Math.max(this.count, 1)); }
    fit() { this.ppc = this.minPpc(); this.x0 = 0; }
    clamp() { this.x0 = Math.max(0, Math.min(this.x0, this.count - this.plotW / this.ppc)); }

    zoom(factor, anchor) {
      const at = this.x0 + anchor / this.ppc;
      this.ppc = Math.min(MAX_ZOOM, Math.max(this.minPpc(), this.ppc * factor));
      this.x0 = at - anchor / this.ppc;
      this.clamp();
      this.paint();
    }

    paint() {
      const { dpr, ctx, count, rows, codes, rank } = this;
      const pw = Math.max(1, Math.floor(this.plotW * dpr));
      const rowD = Math.round(this.rowH * dpr);
      const gap = rowD >= 4 ? 1 : 0;
      const s = this.ppc * dpr; // device pixels per partition
      const from = new Int32Array(pw), to = new Int32Array(pw), edge = new Uint8Array(pw);
      for (let x = 0; x < pw; x++) {
        const a = this.x0 + x / s, b = this.x0 + (x + 1) / s;
        from[x] = Math.floor(a);
        to[x] = Math.min(count, Math.ceil(b)) - 1;
        if (from[x] >= count) from[x] = -1;
        edge[x] = s >= 5 && Math.floor(b) > from[x] ? 1 : 0;
      }
      const image = ctx.createImageData(pw, rows * rowD);
      const px = new Uint32Array(image.data.buffer);
      const line = new Uint32Array(pw);
      for (let r = 0; r < rows; r++) {
        const base = r * count;
        for (let x = 0; x < pw; x++) {
          const c0 = from[x];
          if (c0 < 0 || edge[x]) { line[x] = BG; continue; }
          let code = codes[base + c0];
          for (let c = c0 + 1; c <= to[x]; c++) {
            const other = codes[base + c];
            if (rank[other] < rank[code]) code = other;
          }
          line[x] = this.colours[code];
        }
        for (let y = 0; y < rowD - gap; y++) px.set(line, (r * rowD + y) * pw);
        if (gap) px.fill(BG, (r * rowD + rowD - 1) * pw, (r * rowD + rowD) * pw);
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      ctx.putImageData(image, Math.round(this.gutter * dpr), Math.round(this.axisH * dpr));
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.drawAxis();
      if (this.labels) this.drawLabels();
      const first = Math.floor(this.x0), last = Math.min(count, Math.ceil(this.x0 + this.plotW / this.ppc)) - 1;
      this.range.textContent = count ? `${keyAt(this.rule, first)} … ${keyAt(this.rule, last)} · ${(last - first + 1).toLocaleString("en-US")} of ${count.toLocaleString("en-US")} partitions` : "no partitions";
    }

    drawAxis() {
      const { ctx } = this;
      const nice = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
      const step = nice.find((n) => n * this.ppc >= 90) || nice[nice.length - 1];
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillStyle = "#66717e";
      ctx.strokeStyle = "#c5ccd4";
      ctx.textBaseline = "alphabetic";
      const end = this.x0 + this.plotW / this.ppc;
      for (let i = Math.ceil(this.x0 / step) * step; i < Math.min(end, this.count); i += step) {
        const x = Math.round(this.gutter + (i - this.x0) * this.ppc) + 0.5;
        ctx.beginPath(); ctx.moveTo(x, this.axisH - 5); ctx.lineTo(x, this.axisH); ctx.stroke();
        let key = this.single ? "" : String(keyAt(this.rule, i));
        if (key.length > 18) key = key.slice(0, 17) + "…";
        if (x + 3 + ctx.measureText(key).width <= this.gutter + this.plotW) ctx.fillText(key, x + 3, this.axisH - 7);
      }
    }

    drawLabels() {
      const { ctx } = this;
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, this.axisH, this.gutter, this.rows * this.rowH);
      ctx.fillStyle = "#1f2933";
      ctx.textBaseline = "middle";
      ctx.font = `${Math.min(11, this.rowH - 2)}px system-ui, sans-serif`;
      const room = this.gutter - 10;
      this.group.assets.forEach((name, r) => {
        let text = name;
        while (text.length > 3 && ctx.measureText(text).width > room) text = text.slice(0, -2) + "…";
        ctx.fillText(text, 2, this.axisH + r * this.rowH + (this.rowH - 1) / 2);
      });
    }

    /** The cell under a point (CSS pixels relative to the canvas), or null. */
    hit(x, y) {
      const row = Math.floor((y - this.axisH) / this.rowH);
      if (y < this.axisH || row < 0 || row >= this.rows) return null;
      if (x < this.gutter) return { row, label: true };
      const a = this.x0 + (x - this.gutter) / this.ppc;
      const first = Math.floor(a);
      const last = this.ppc >= 1 ? first : Math.min(this.count - 1, Math.floor(a + 1 / this.ppc));
      if (first >= this.count) return null;
      return { row, first, last };
    }

    /** Centre of a cell in CSS pixels relative to the canvas (tests read pixels there). */
    cellCentre(row, col) {
      return {
        x: this.gutter + (col - this.x0 + 0.5) * this.ppc,
        y: this.axisH + row * this.rowH + (this.rowH - 1) / 2,
      };
    }

    showTip(hit, x, y) {
      const name = this.group.assets[hit.row];
      const tip = this.tip;
      tip.replaceChildren();
      if (hit.label) {
        tip.append(el("b", null, name), document.createTextNode(" · open asset"));
      } else {
        const counts = new Map();
        for (let c = hit.first; c <= hit.last; c++) {
          const code = this.codes[hit.row * this.count + c];
          counts.set(code, (counts.get(code) || 0) + 1);
        }
        const one = hit.first === hit.last;
        const span = one ? keyAt(this.rule, hit.first) : `${keyAt(this.rule, hit.first)} … ${keyAt(this.rule, hit.last)}`;
        tip.append(el("b", null, name), document.createTextNode(" "), el("span", "k", span), el("br"));
        const parts = [...counts].sort((a, b) => this.rank[a[0]] - this.rank[b[0]])
          .map(([code, n]) => (one ? "" : `${n} `) + this.legend[code].name);
        tip.append(document.createTextNode(parts.join(", ") + (one ? "" : " · click to zoom in")));
      }
      tip.style.display = "block";
      const left = Math.min(x + 14, this.cssW - tip.offsetWidth - 4);
      tip.style.left = Math.max(0, left) + "px";
      tip.style.top = y + 16 + "px";
      const cur = this.cursor;
      if (!hit.label && this.ppc >= 3) {
        const c = this.cellCentre(hit.row, hit.first);
        Object.assign(cur.style, {
          display: "block", left: c.x - this.ppc / 2 - 1 + "px", top: c.y - this.rowH / 2 - 1 + "px",
          width: this.ppc + 1 + "px", height: this.rowH + 1 + "px",
        });
      } else cur.style.display = "none";
    }

    hideTip() { this.tip.style.display = "none"; this.cursor.style.display = "none"; }

    open(hit, x) {
      const name = this.group.assets[hit.row];
      const asset = "/assets/" + encodeURIComponent(name);
      if (hit.label) { window.location.href = asset; return; }
      if (hit.first !== hit.last) { this.zoom(Math.max(2, 10 / this.ppc), x - this.gutter); return; }
      const key = keyAt(this.rule, hit.first);
      const partitioned = !(this.count === 1 && this.rule.kind === "keys" && key === "__all__");
      window.location.href = partitioned ? `${asset}/partitions/${encodeURIComponent(key)}` : asset;
    }

    listen() {
      const c = this.canvas;
      let drag = null;
      const point = (e) => { const b = c.getBoundingClientRect(); return [e.clientX - b.left, e.clientY - b.top]; };
      c.addEventListener("pointerdown", (e) => {
        const [x] = point(e);
        drag = { x, x0: this.x0, moved: false };
        c.setPointerCapture(e.pointerId);
      });
      c.addEventListener("pointermove", (e) => {
        const [x, y] = point(e);
        if (drag && Math.abs(x - drag.x) > 3) {
          drag.moved = true;
          this.x0 = drag.x0 - (x - drag.x) / this.ppc;
          this.clamp();
          if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.paint(); });
          this.hideTip();
          return;
        }
        const hit = this.hit(x, y);
        c.style.cursor = hit && hit.label ? "pointer" : "crosshair";
        if (hit) this.showTip(hit, x, y); else this.hideTip();
      });
      c.addEventListener("pointerup", (e) => {
        const [x, y] = point(e);
        const moved = drag && drag.moved;
        drag = null;
        if (moved) return;
        const hit = this.hit(x, y);
        if (hit) this.open(hit, x);
      });
      c.addEventListener("pointerleave", () => this.hideTip());
      c.addEventListener("wheel", (e) => {
        const [x] = point(e);
        if (e.ctrlKey || e.metaKey) {
          e.preventDefault();
          this.zoom(Math.exp(-e.deltaY * 0.002), Math.max(0, x - this.gutter));
        } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
          e.preventDefault();
          this.x0 += (e.deltaX || e.deltaY) / this.ppc;
          this.clamp();
          this.paint();
        }
      }, { passive: false });
      this.root.addEventListener("keydown", (e) => {
        const keys = { "+": () => this.zoom(2, this.plotW / 2), "=": () => this.zoom(2, this.plotW / 2),
          "-": () => this.zoom(0.5, this.plotW / 2), "0": () => { this.fit(); this.paint(); },
          ArrowLeft: () => { this.x0 -= this.plotW / this.ppc / 4; this.clamp(); this.paint(); },
          ArrowRight: () => { this.x0 += this.plotW / this.ppc / 4; this.clamp(); this.paint(); } };
        if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
      });
    }
  }

  const POLL_MS = 2000;

  function running(header) {
    const code = header.legend.find((s) => s.name === "running").code;
    return header.groups.some((g) => g.codes.includes(code));
  }

  function show(nodes, header) {
    for (const node of nodes) {
      const group = header.groups[Number(node.dataset.group)];
      if (!group) continue;
      const old = node.painter;
      if (old && old.count === group.rule.count && old.group.assets.join("\0") === group.assets.join("\0")) {
        old.group = group; old.codes = group.codes; old.paint(); // same axis: keep zoom and pan
      } else {
        node.painter = new Matrix(node, group, header, {
          labels: node.dataset.labels === "1", bar: node.classList.contains("bar"),
        });
      }
    }
  }

  async function load(src, nodes) {
    const response = await fetch(src, { credentials: "same-origin", cache: "no-cache" });
    if (!response.ok) {
      for (const node of nodes) node.textContent = `Could not load statuses (HTTP ${response.status}).`;
      return;
    }
    const header = decode(await response.arrayBuffer());
    show(nodes, header);
    if (running(header)) setTimeout(() => load(src, nodes).catch(console.error), POLL_MS);
  }

  async function mount(root) {
    const bySource = new Map();
    for (const node of root.querySelectorAll(".matrix[data-src]")) {
      if (!bySource.has(node.dataset.src)) bySource.set(node.dataset.src, []);
      bySource.get(node.dataset.src).push(node);
    }
    await Promise.all([...bySource].map(([src, nodes]) => load(src, nodes)));
    performance.mark("af-painted");
    document.documentElement.dataset.painted = "1";
  }

  window.assetflowMatrix = { decode, keyAt, mount };
  const start = () => mount(document).catch((err) => { document.documentElement.dataset.painted = "error"; console.error(err); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
