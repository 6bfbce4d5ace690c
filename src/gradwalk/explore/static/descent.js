// The descent view: a function's contours and gradient arrows, one path per optimizer,
// f along each path, and each run's status and message in words.
import { _, Frame, fmt, format, latestOnly, shade, showError } from "./common.js";

const $ = (id) => document.getElementById(id);
const FORMULA = "formula";
const BOOK_FUNCTION = "sphere";  // x0² + x1², the book's function_2
const FORMULA_DEFAULTS = { xlim: [-2, 2], ylim: [-2, 2], start: [-1.5, 1.5], lr: 0.1, steps: 100 };
const INPUTS = { formula: ["formula"], xlim: ["xmin", "xmax"], ylim: ["ymin", "ymax"], start: ["start-x", "start-y"], lr: ["lr"], steps: ["steps"] };

export class DescentView {
  constructor(options, onChange) {
    this.options = options; this.onChange = onChange;
    this.functions = Object.fromEntries(options.functions.map((f) => [f.name, f]));
    this.view = $("view-descent");
    this.answer = null;
    this.send = latestOnly("/api/descent", (a, p) => this.draw(a, p), (e, s) => this.fail(e, s));
    this.build();
  }

  build() {
    const select = $("function");
    for (const f of this.options.functions) select.add(new Option(_(f.title), f.name));
    select.add(new Option(_("Your formula…"), FORMULA));
    for (const m of this.options.methods) $("method").add(new Option(m, m));
    for (const name of this.options.optimizers) {
      const label = document.createElement("label");
      label.innerHTML = `<input type="checkbox" value="${name}"><span class="swatch" style="background:${this.options.colors[name]}"></span>${name}`;
      $("optimizers").append(label);
    }
    select.addEventListener("change", () => { this.defaults(select.value); this.update(); });
    for (const id of ["formula", "xmin", "xmax", "ymin", "ymax", "start-x", "start-y", "lr", "steps", "method"]) {
      $(id).addEventListener("input", () => { if (id === "lr") this.syncSlider(); this.update(); });
    }
    $("optimizers").addEventListener("change", () => this.update());
    $("lr-slider").addEventListener("input", () => {
      $("lr").value = +(10 ** +$("lr-slider").value).toPrecision(2);
      this.update();
    });
    $("plot").addEventListener("click", (event) => this.click(event));
  }

  defaults(name) {
    const f = name === FORMULA ? FORMULA_DEFAULTS : this.functions[name];
    [$("xmin").value, $("xmax").value] = f.xlim;
    [$("ymin").value, $("ymax").value] = f.ylim;
    [$("start-x").value, $("start-y").value] = f.start;
    $("lr").value = f.lr; $("steps").value = f.steps;
    this.syncSlider();
  }

  // The page's inputs as URL parameters, and back.
  state() {
    const opts = [...$("optimizers").querySelectorAll("input:checked")].map((i) => i.value);
    const s = {
      f: $("function").value, x: `${$("xmin").value},${$("xmax").value}`, y: `${$("ymin").value},${$("ymax").value}`,
      start: `${$("start-x").value},${$("start-y").value}`, lr: $("lr").value, steps: $("steps").value,
      opt: opts.join(","), method: $("method").value,
    };
    if (s.f === FORMULA) s.formula = $("formula").value;
    return s;
  }

  restore(params) {
    // without a link, the book's run: function_2 from (-3, 4), lr 0.1, 100 steps (Figure 4-10)
    const name = params.get("f") in this.functions || params.get("f") === FORMULA ? params.get("f") : BOOK_FUNCTION;
    $("function").value = name;
    this.defaults(name);
    if (params.has("formula")) $("formula").value = params.get("formula");
    const pairs = { x: ["xmin", "xmax"], y: ["ymin", "ymax"], start: ["start-x", "start-y"] };
    for (const [key, ids] of Object.entries(pairs)) {
      if (params.has(key)) params.get(key).split(",").forEach((v, i) => { if (ids[i]) $(ids[i]).value = v; });
    }
    if (params.has("lr")) $("lr").value = params.get("lr");
    if (params.has("steps")) $("steps").value = params.get("steps");
    if (params.has("method")) $("method").value = params.get("method");
    const chosen = (params.get("opt") || "sgd").split(",");  // the book's plain gradient descent
    for (const box of $("optimizers").querySelectorAll("input")) box.checked = chosen.includes(box.value);
    this.syncSlider();
  }

  syncSlider() {
    const lr = +$("lr").value;
    if (lr > 0) $("lr-slider").value = Math.log10(lr);
  }

  update() {
    const s = this.state();
    $("formula-row").hidden = s.f !== FORMULA;
    $("note").textContent = s.f === FORMULA ? _("Any formula in x and y with + - * / ** and sin, cos, exp, log, sqrt, abs…") : _(this.functions[s.f].note);
    this.onChange();
    $("status").textContent = _("computing…");
    this.requestedAt = performance.now();
    const split = (text) => text.split(",").map((v) => (v.trim() === "" ? null : v.trim()));
    this.send({
      function: s.f, formula: s.formula ?? "", xlim: split(s.x), ylim: split(s.y), start: split(s.start),
      lr: s.lr === "" ? "not a number" : s.lr, steps: s.steps, optimizers: s.opt, method: s.method,
    });
  }

  click(event) {
    if (!this.frame) return;
    const canvas = event.target;  // offsetX/Y: from the canvas's inner edge, inside its border
    const px = (event.offsetX * canvas.width) / canvas.clientWidth;
    const py = (event.offsetY * canvas.height) / canvas.clientHeight;
    if (!this.frame.inside(px, py)) return;
    const [x, y] = this.frame.data(px, py);
    const digits = (lim) => Math.max(0, 3 - Math.floor(Math.log10(lim[1] - lim[0])));
    $("start-x").value = x.toFixed(digits(this.frame.xlim));
    $("start-y").value = y.toFixed(digits(this.frame.ylim));
    this.update();
  }

  fail(error, status) {
    showError(this.view, error.field, error.error || format(_("the server answered {status} without a message"), { status }), INPUTS);
    $("status").textContent = this.answer ? _("not updated: the picture shows the last valid inputs") : _("nothing to show yet");
    $("status").dataset.state = "error";
  }

  draw(answer) {
    const began = performance.now();
    this.answer = answer;
    showError(this.view, null, "");
    this.drawPlot(answer);
    this.drawValues(answer);
    this.drawRuns(answer);
    this.drawBound(answer.bound);
    const ms = performance.now() - began;
    const steps = Math.max(0, ...answer.runs.map((r) => r.steps_taken ?? 0));
    const done = answer.runs.length === 1
      ? _("1 path, up to {steps} steps: computed in {computed} ms, drawn in {drawn} ms")
      : _("{paths} paths, up to {steps} steps: computed in {computed} ms, drawn in {drawn} ms");
    $("status").textContent = format(done, { paths: answer.runs.length, steps, computed: Math.round(answer.seconds * 1000), drawn: Math.round(ms) });
    $("status").dataset.state = "ok";
    window.gradwalkExplore.descent = {
      answer, paths: this.drawnPaths, drawMs: ms, computeMs: answer.seconds * 1000,
      latencyMs: performance.now() - this.requestedAt,  // from the latest input to its picture
    };
    window.gradwalkExplore.drawings = (window.gradwalkExplore.drawings ?? 0) + 1;
  }

  drawPlot(a) {
    const canvas = $("plot"), frame = new Frame(canvas, a.xlim, a.ylim);
    this.frame = frame;
    frame.clear();
    const c = frame.ctx;
    // the background (f, contours, arrows) is drawn once per function and window
    const key = JSON.stringify([a.title, a.xlim, a.ylim, a.grid.n]);
    if (!this.background || this.background.key !== key) {
      const off = new OffscreenCanvas(canvas.width, canvas.height);
      drawBackground(a, new Frame(off, a.xlim, a.ylim));
      this.background = { key, image: off };
    }
    c.drawImage(this.background.image, 0, 0);
    frame.clip();
    // minima, then the paths, then the start on top
    c.strokeStyle = "#fff"; c.lineWidth = 2;
    for (const [mx, my] of a.minima) {
      const x = frame.px(mx), y = frame.py(my);
      c.beginPath(); c.moveTo(x - 5, y - 5); c.lineTo(x + 5, y + 5); c.moveTo(x + 5, y - 5); c.lineTo(x - 5, y + 5); c.stroke();
    }
    this.drawnPaths = 0;
    c.lineWidth = 2; c.lineJoin = "round";
    for (const run of a.runs) {
      if (!run.path) continue;
      c.strokeStyle = this.options.colors[run.optimizer]; c.fillStyle = this.options.colors[run.optimizer];
      c.beginPath();
      let pen = false;
      for (const p of run.path) {
        if (p[0] === null || p[1] === null || Math.abs(p[0]) > 1e6 || Math.abs(p[1]) > 1e6) { pen = false; continue; }
        const x = frame.px(p[0]), y = frame.py(p[1]);
        if (pen) c.lineTo(x, y); else c.moveTo(x, y);
        pen = true;
      }
      c.stroke();
      const last = run.path[run.path.length - 1];
      if (last[0] !== null && last[1] !== null) { c.beginPath(); c.arc(frame.px(last[0]), frame.py(last[1]), 3.5, 0, 2 * Math.PI); c.fill(); }
      this.drawnPaths += 1;
    }
    c.fillStyle = "#111"; c.strokeStyle = "#fff"; c.lineWidth = 1.5;
    c.beginPath(); c.arc(frame.px(a.start[0]), frame.py(a.start[1]), 5.5, 0, 2 * Math.PI); c.fill(); c.stroke();
    c.restore();
    frame.axes(a.title.length > 70 ? a.title.slice(0, 67) + "…" : a.title, "x0 (x)", "x1 (y)");
  }

  drawValues(a) {
    const runs = a.runs.filter((r) => r.values);
    const all = runs.flatMap((r) => r.values).filter((v) => v !== null && Math.abs(v) < 1e300);
    const log = all.length > 0 && all.every((v) => v > 0);
    const tr = (v) => (log ? Math.log10(v) : v);
    const ys = all.map(tr);
    let lo = ys.length ? Math.min(...ys) : 0, hi = ys.length ? Math.max(...ys) : 1;
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const steps = Math.max(1, ...runs.map((r) => r.values.length - 1));
    const frame = new Frame($("values"), [0, steps], [lo, hi], { left: 62, right: 14, top: 24, bottom: 30 });
    frame.clear();
    const c = frame.ctx;
    frame.clip();
    c.lineWidth = 1.6;
    for (const run of runs) {
      c.strokeStyle = this.options.colors[run.optimizer]; c.beginPath();
      let pen = false;
      run.values.forEach((v, k) => {
        if (v === null || !(Math.abs(v) < 1e300) || (log && v <= 0)) { pen = false; return; }
        const x = frame.px(k), y = frame.py(tr(v));
        if (pen) c.lineTo(x, y); else c.moveTo(x, y);
        pen = true;
      });
      c.stroke();
    }
    c.restore();
    frame.axes(log ? _("f along each path (log scale)") : _("f along each path (linear: f takes values ≤ 0)"), _("step"), "f",
      log ? (t) => `1e${fmt(t, 2)}` : fmt);
  }

  drawRuns(a) {
    const list = $("runs");
    list.replaceChildren();
    for (const run of a.runs) {
      const item = document.createElement("li");
      item.className = "run"; item.dataset.optimizer = run.optimizer; item.dataset.status = run.status;
      const head = document.createElement("div"); head.className = "head";
      head.innerHTML = `<span class="swatch" style="background:${this.options.colors[run.optimizer]}"></span>`;
      head.append(`${run.label ?? run.optimizer}: ${run.status}`);
      const message = document.createElement("div"); message.className = "message"; message.textContent = run.message;
      item.append(head, message);
      if (run.nfev !== undefined) {
        const cost = document.createElement("div"); cost.className = "cost";
        const at = run.x.map((v) => fmt(v, 4)).join(", ");
        cost.textContent = format(_("{steps} steps, {nfev} evaluations of f ({method}), {ms} ms; f = {value} at ({at})"),
          { steps: run.steps_taken, nfev: run.nfev, method: a.method, ms: Math.round(run.seconds * 1000), value: fmt(run.value, 4), at });
        item.append(cost);
        for (const w of run.warnings) { const p = document.createElement("div"); p.className = "cost"; p.textContent = format(_("warning: {text}"), { text: w }); item.append(p); }
      }
      list.append(item);
    }
  }

  drawBound(bound) {
    const mark = $("bound-mark"), slider = $("lr-slider");
    if (bound === null) {
      mark.style.display = "none";
      $("bound").textContent = _("stable bound 2/λmax: none at the start (no positive curvature there)");
      return;
    }
    const t = (Math.log10(bound) - +slider.min) / (+slider.max - +slider.min);
    mark.style.display = t >= 0 && t <= 1 ? "block" : "none";
    mark.style.left = `calc(8px + ${t.toFixed(4)} * (100% - 16px) - 1px)`;  // the thumb's travel
    const lr = +$("lr").value;
    $("bound").textContent = format(lr > bound
      ? _("stable bound 2/λmax at the start ≈ {bound} (red mark): plain SGD with lr = {lr} is above it and overshoots.")
      : _("stable bound 2/λmax at the start ≈ {bound} (red mark): plain SGD with lr = {lr} is below it."),
    { bound: fmt(bound), lr: fmt(lr) });
    $("bound").dataset.bound = bound;
  }
}

function drawBackground(a, frame) {
  const c = frame.ctx, n = a.grid.n, z = a.grid.z;
  // background: f ranked among the grid's values, so every function shows its shape
  const flat = z.flat().filter((v) => v !== null).sort((p, q) => p - q);
  const rank = (v) => {
    let lo = 0, hi = flat.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (flat[mid] < v) lo = mid + 1; else hi = mid; }
    return lo / Math.max(1, flat.length - 1);
  };
  const image = new ImageData(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = z[i][j], k = ((n - 1 - i) * n + j) * 4;
    const [r, g, b] = v === null ? [255, 255, 255] : shade(rank(v));
    image.data.set([r, g, b, 255], k);
  }
  const off = new OffscreenCanvas(n, n);
  off.getContext("2d").putImageData(image, 0, 0);
  frame.clip();
  c.imageSmoothingEnabled = true;
  c.drawImage(off, frame.m.left, frame.m.top, frame.w, frame.h);
  // contour lines at quantiles of the grid's values, denser near the lowest ones
  const levels = [];
  for (let k = 0; k < 16; k++) levels.push(flat[Math.floor(((k + 0.5) / 16) ** 2 * (flat.length - 1))]);
  c.strokeStyle = "rgba(20, 30, 60, 0.45)"; c.lineWidth = 0.8;
  const xs = (j) => frame.px(a.xlim[0] + ((a.xlim[1] - a.xlim[0]) * j) / (n - 1));
  const ys = (i) => frame.py(a.ylim[0] + ((a.ylim[1] - a.ylim[0]) * i) / (n - 1));
  c.beginPath();
  for (const level of new Set(levels)) contour(z, n, level, xs, ys, c);
  c.stroke();
  // arrows of the negative gradient, all of one length: the direction of steepest descent
  const ar = a.arrows, len = 0.45 * frame.w / Math.sqrt(ar.x.length);
  c.strokeStyle = "rgba(255, 255, 255, 0.85)"; c.fillStyle = c.strokeStyle; c.lineWidth = 1.2;
  for (let k = 0; k < ar.x.length; k++) {
    const u = ar.u[k], v = ar.v[k];
    if (u === null || v === null || (u === 0 && v === 0)) continue;
    const dx = u * (frame.w / (a.xlim[1] - a.xlim[0])), dy = -v * (frame.h / (a.ylim[1] - a.ylim[0]));
    const norm = Math.hypot(dx, dy), ex = (dx / norm) * len, ey = (dy / norm) * len;
    const x0 = frame.px(ar.x[k]) - ex / 2, y0 = frame.py(ar.y[k]) - ey / 2;
    c.beginPath(); c.moveTo(x0, y0); c.lineTo(x0 + ex, y0 + ey); c.stroke();
    const ang = Math.atan2(ey, ex);
    c.beginPath(); c.moveTo(x0 + ex, y0 + ey);
    c.lineTo(x0 + ex - 5 * Math.cos(ang - 0.45), y0 + ey - 5 * Math.sin(ang - 0.45));
    c.lineTo(x0 + ex - 5 * Math.cos(ang + 0.45), y0 + ey - 5 * Math.sin(ang + 0.45));
    c.fill();
  }
  c.restore();
}

// Marching squares: the segments of f = level inside each grid cell, added to the path.
function contour(z, n, level, xs, ys, c) {
  const cross = (a, b) => (level - a) / (b - a);
  for (let i = 0; i < n - 1; i++) for (let j = 0; j < n - 1; j++) {
    const a = z[i][j], b = z[i][j + 1], d = z[i + 1][j], e = z[i + 1][j + 1];
    if (a === null || b === null || d === null || e === null) continue;
    const pts = [];
    if ((a < level) !== (b < level)) pts.push([xs(j + cross(a, b)), ys(i)]);
    if ((b < level) !== (e < level)) pts.push([xs(j + 1), ys(i + cross(b, e))]);
    if ((d < level) !== (e < level)) pts.push([xs(j + cross(d, e)), ys(i + 1)]);
    if ((a < level) !== (d < level)) pts.push([xs(j), ys(i + cross(a, d))]);
    for (let k = 0; k + 1 < pts.length; k += 2) { c.moveTo(...pts[k]); c.lineTo(...pts[k + 1]); }
  }
}
