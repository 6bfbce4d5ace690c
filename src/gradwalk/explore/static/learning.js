// The learning view: a TwoLayerNet trains on generated 2-D data; the decision boundary and
// the loss and accuracy curves update while it trains, with the cost of each gradient.
import { _, CLASS_COLORS, Frame, fmt, format, postJSON, showError } from "./common.js";

const $ = (id) => document.getElementById(id);
const FIELDS = { dataset: "dataset", size: "size", noise: "noise", seed: "seed", hidden: "hidden", gradient: "gradient", lr: "learn-lr", optimizer: "learn-optimizer" };
const INPUTS = Object.fromEntries(Object.entries(FIELDS).map(([k, id]) => [k, [id]]));
const COST = {
  backprop: () => _("backprop: one forward and one backward pass per step"),
  numerical: (c) => format(_("numerical gradient: {count} evaluations of the loss per step"), { count: fmt(c.evaluations_per_step, 4) }),
  spsa: (c) => format(_("SPSA: {count} evaluations of the loss per step, whatever the number of parameters"), { count: fmt(c.evaluations_per_step, 4) }),
};

export class LearningView {
  constructor(options, onChange) {
    this.options = options; this.onChange = onChange;
    this.view = $("view-learning");
    this.session = null; this.running = false; this.loss = []; this.accuracy = []; this.testAccuracy = []; this.generation = 0;
    for (const d of options.datasets) $("dataset").add(new Option(d, d));
    for (const g of options.gradients) $("gradient").add(new Option(g, g));
    for (const o of options.optimizers) $("learn-optimizer").add(new Option(o, o));
    for (const id of Object.values(FIELDS)) $(id).addEventListener("change", () => { this.onChange(); this.reset(); });
    $("start").addEventListener("click", () => this.start());
    $("pause").addEventListener("click", () => this.pause());
    $("step").addEventListener("click", () => this.step());
    $("reset").addEventListener("click", () => this.reset());
  }

  state() {
    return { data: $("dataset").value, n: $("size").value, noise: $("noise").value, seed: $("seed").value,
      hidden: $("hidden").value, grad: $("gradient").value, llr: $("learn-lr").value, lopt: $("learn-optimizer").value };
  }

  restore(params) {
    const keys = { data: "dataset", n: "size", noise: "noise", seed: "seed", hidden: "hidden", grad: "gradient", llr: "learn-lr", lopt: "learn-optimizer" };
    for (const [key, id] of Object.entries(keys)) if (params.has(key)) $(id).value = params.get(key);
  }

  payload() {
    const s = this.state();
    return { dataset: s.data, size: s.n, noise: s.noise, seed: s.seed, hidden: s.hidden, gradient: s.grad, lr: s.llr === "" ? "not a number" : s.llr, optimizer: s.lopt };
  }

  async reset() {
    this.running = false; this.session = null; this.loss = []; this.accuracy = []; this.testAccuracy = [];
    $("learn-hint").textContent = "";
    const generation = ++this.generation;
    this.buttons();
    try {
      const answer = await postJSON("/api/learn/start", this.payload());
      if (generation !== this.generation) return;
      showError(this.view, null, "");
      this.session = answer; this.draw(answer);
      $("learn-status").textContent = format(_("{points} training and {test} test points, {classes} classes, a network of {parameters} parameters: press Start or Step"),
        { points: answer.points.length, test: answer.test_points, classes: answer.classes, parameters: answer.parameters });
    } catch (error) {
      if (generation !== this.generation) return;
      showError(this.view, error.field ? Object.keys(FIELDS).includes(error.field) ? error.field === "lr" ? "learn-lr" : error.field : "learning" : "learning", error.message,
        Object.fromEntries(Object.entries(INPUTS).map(([k, v]) => [k === "lr" ? "learn-lr" : k, v])));
      $("learn-status").textContent = _("not started: fix the input marked in red");
    }
    return this.session;
  }

  buttons() { $("start").disabled = this.running; $("pause").disabled = !this.running; }

  async advance(steps, seconds) {
    if (!this.session) await this.reset();
    if (!this.session) return false;
    const generation = this.generation;
    try {
      const answer = await postJSON("/api/learn/step", { id: this.session.id, steps, seconds });
      if (generation !== this.generation) return false;
      this.loss.push(...answer.loss); this.accuracy.push(...answer.accuracy); this.testAccuracy.push(...answer.test_accuracy);
      this.draw(answer);
      if (answer.diverged) {
        $("learn-status").textContent += _(" — the loss is not finite");
        if (!answer.hint) $("learn-hint").textContent = _("The learning rate is too large: lower it and press Reset.");
        return false;
      }
      return true;
    } catch (error) {
      showError(this.view, "learning", error.message);
      return false;
    }
  }

  async start() {
    if (this.running) return;
    this.running = true; this.buttons();
    while (this.running && (await this.advance(1000, 0.15))) await new Promise((r) => requestAnimationFrame(r));
    this.running = false; this.buttons();
  }

  pause() { this.running = false; this.buttons(); }

  async step() { this.pause(); await this.advance(1, 1); }

  draw(answer) {
    this.drawBoundary(answer);
    this.drawCurves();
    const loss = this.loss.at(-1), acc = this.accuracy.at(-1);
    if (answer.iteration > 0) {
      const test = this.testAccuracy.at(-1);
      $("learn-status").textContent = format(_("step {step}: loss {loss}, training accuracy {train}%, test accuracy {test}%"),
        { step: answer.iteration, loss: fmt(loss, 4), train: (100 * acc).toFixed(1), test: (100 * test).toFixed(1) });
      const c = answer.cost;
      $("cost").textContent = format(_("{cost}; {ms} ms per step ({rate} steps per second)."),
        { cost: COST[c.gradient](c), ms: fmt(1000 * c.seconds_per_step, 3), rate: fmt(1 / c.seconds_per_step, 3) });
    } else {
      $("cost").textContent = "";
    }
    if (answer.hint) $("learn-hint").textContent = answer.hint;
    window.gradwalkExplore.learning = {
      iteration: answer.iteration, loss: this.loss, accuracy: this.accuracy, testAccuracy: this.testAccuracy,
      points: this.session?.points.length, cost: answer.cost, hint: answer.hint ?? "",
    };
  }

  drawBoundary(a) {
    const frame = new Frame($("boundary"), a.window[0], a.window[1], { left: 44, right: 12, top: 26, bottom: 32 });
    frame.clear();
    const c = frame.ctx, n = a.boundary.n;
    const image = new ImageData(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const k = i * n + j, color = CLASS_COLORS[a.boundary.label[k]];
      const rgb = [1, 3, 5].map((p) => parseInt(color.slice(p, p + 2), 16));
      const alpha = 0.15 + 0.45 * a.boundary.confidence[k];
      image.data.set([...rgb.map((v) => Math.round(255 - (255 - v) * alpha)), 255], ((n - 1 - i) * n + j) * 4);
    }
    const off = new OffscreenCanvas(n, n);
    off.getContext("2d").putImageData(image, 0, 0);
    frame.clip();
    c.drawImage(off, frame.m.left, frame.m.top, frame.w, frame.h);
    const points = this.session?.points ?? [], labels = this.session?.labels ?? [];
    c.strokeStyle = "#fff"; c.lineWidth = 1;
    points.forEach(([x, y], k) => {
      c.fillStyle = CLASS_COLORS[labels[k]];
      c.beginPath(); c.arc(frame.px(x), frame.py(y), 3.2, 0, 2 * Math.PI); c.fill(); c.stroke();
    });
    c.restore();
    frame.axes(_("the data and the network's decision boundary"), "x0", "x1");
  }

  drawCurves() {
    const steps = Math.max(10, this.loss.length);  // a first point stands clear of the edge
    const finite = this.loss.filter((v) => v !== null && Number.isFinite(v));
    // before the first step the axes still read 0 to 1 (no data to scale them to)
    const top = finite.length ? Math.max(...finite) * 1.05 || 1 : 1;
    const frame = new Frame($("curves"), [0, steps], [0, top], { left: 52, right: 44, top: 24, bottom: 30 });
    frame.clear();
    const c = frame.ctx;
    frame.clip();
    const line = (values, color, scale, dash = []) => {
      c.strokeStyle = color; c.fillStyle = color; c.lineWidth = 1.6; c.setLineDash(dash); c.beginPath();
      let pen = false;
      values.forEach((v, k) => {
        if (v === null) { pen = false; return; }
        const x = frame.px(k + 1), y = frame.py(scale(v));
        if (pen) c.lineTo(x, y); else c.moveTo(x, y);
        pen = true;
      });
      c.stroke(); c.setLineDash([]);
      // a dot on each point while there are few, so that one step already shows
      if (values.length <= 30) values.forEach((v, k) => {
        if (v === null) return;
        c.beginPath(); c.arc(frame.px(k + 1), frame.py(scale(v)), 3, 0, 2 * Math.PI); c.fill();
      });
    };
    line(this.loss, "#d62728", (v) => v);
    line(this.accuracy, "#1f77b4", (v) => v * top);
    line(this.testAccuracy, "#1f77b4", (v) => v * top, [5, 4]);
    c.restore();
    frame.axes(_("loss (red); accuracy, train and test dashed (blue)"), _("step"), _("loss"));
    c.fillStyle = "#1f77b4"; c.font = "12px system-ui, sans-serif"; c.textAlign = "left"; c.textBaseline = "middle";
    for (const p of [0, 0.5, 1]) c.fillText(`${p * 100}%`, frame.m.left + frame.w + 4, frame.py(p * top));
  }
}
