// Shared by both views: the page's language, requests that never let a stale answer
// overtake a fresh one, messages beside inputs, and canvas drawing helpers (axes, colours).

// --- the page's language: English as written, or gradwalk's catalogs (/api/messages) ---
let LANGUAGE = "en";
let MESSAGES = {};
const ENGLISH = new WeakMap();  // the English of each translated text node and attribute

export const language = () => LANGUAGE;

// A text of the page in the current language (the English itself when it has no translation).
export function _(text) { return MESSAGES[text] ?? text; }

// A message with its {name} placeholders filled, after the lookup (translations may reorder them).
export function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

// The language the browser prefers among those the page speaks (English when none).
export function browserLanguage(spoken) {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = String(tag).toLowerCase().split(/[-_]/)[0];
    const code = Object.keys(spoken).find((c) => c.toLowerCase().split("_")[0] === primary);
    if (code) return code;
  }
  return "en";
}

// Switch the page to a language: load its catalog, then translate the marked static text.
export async function useLanguage(code) {
  const answer = await (await fetch(`/api/messages?lang=${encodeURIComponent(code)}`)).json();
  LANGUAGE = answer.lang; MESSAGES = answer.messages;
  document.documentElement.lang = LANGUAGE.replace("_", "-");
  for (const element of document.querySelectorAll("[data-i18n]")) {
    for (const node of element.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      if (!ENGLISH.has(node)) ENGLISH.set(node, node.textContent.trim().split(/\s+/).join(" "));
      const [lead, tail] = [node.textContent.match(/^\s*/)[0], node.textContent.match(/\s*$/)[0]];
      node.textContent = lead + _(ENGLISH.get(node)) + tail;
    }
    if (!ENGLISH.has(element)) ENGLISH.set(element, {});
    const english = ENGLISH.get(element);  // the English of its translated attributes, by name
    for (const name of (element.dataset.i18nAttr ?? "").split(/\s+/).filter(Boolean)) {
      english[name] ??= (element.getAttribute(name) ?? "").trim().split(/\s+/).join(" ");
      element.setAttribute(name, _(english[name]));
    }
  }
}

export const CLASS_COLORS = ["#e4572e", "#2e86ab", "#76b041", "#f3a712", "#7d5ba6"];

// A sender for one endpoint: at most one request in flight; while it runs only the latest
// payload waits, so dragging a slider sends few requests and the last one is always drawn.
export function latestOnly(url, onAnswer, onError) {
  let inFlight = false, pending = null, sent = 0, shown = 0;
  async function send(payload) {
    inFlight = true;
    const mine = ++sent;
    let status = 0, body;
    try {
      const response = await fetch(url, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...payload, lang: LANGUAGE }),
      });
      status = response.status;
      body = await response.json().catch(() => ({ error: format(_("the server answered {status} without a message"), { status }) }));
    } catch (error) {
      body = { error: format(_("the server cannot be reached ({reason}); is gradwalk explore still running?"), { reason: error.message }) };
    }
    inFlight = false;
    if (mine > shown) {  // answers arrive in order; an older one never replaces a newer
      shown = mine;
      if (status >= 200 && status < 300) onAnswer(body, payload); else onError(body, status);
    }
    if (pending !== null) { const next = pending; pending = null; send(next); }
  }
  return (payload) => { if (inFlight) pending = payload; else send(payload); };
}

export async function postJSON(url, payload) {
  const response = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...payload, lang: LANGUAGE }),
  });
  const body = await response.json().catch(() => ({ error: format(_("the server answered {status} without a message"), { status: response.status }) }));
  if (!response.ok) { const error = new Error(body.error); error.field = body.field; throw error; }
  return body;
}

export function showError(view, field, message, inputs = {}) {
  for (const p of view.querySelectorAll(".error")) p.textContent = "";
  for (const input of view.querySelectorAll(".invalid")) input.classList.remove("invalid");
  if (!message) return;
  let target = view.querySelector(`.error[data-field="${field}"]`);
  if (!target) target = view.querySelector(".error:last-of-type");
  target.textContent = message;
  for (const id of inputs[field] || []) document.getElementById(id).classList.add("invalid");
}

export function fmt(value, digits = 3) {
  if (value === null || value === undefined) return "—";
  if (value === 0) return "0";
  const a = Math.abs(value);
  return a >= 1e5 || a < 1e-3 ? value.toExponential(digits - 1) : String(+value.toPrecision(digits));
}

// Evenly spaced "nice" ticks over [lo, hi].
export function ticks(lo, hi, count = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

// A plotting frame: data ranges mapped onto a canvas with margins.
export class Frame {
  constructor(canvas, xlim, ylim, margin = { left: 52, right: 14, top: 28, bottom: 36 }) {
    this.canvas = canvas; this.ctx = canvas.getContext("2d");
    this.xlim = xlim; this.ylim = ylim; this.m = margin;
    this.w = canvas.width - margin.left - margin.right;
    this.h = canvas.height - margin.top - margin.bottom;
  }
  px(x) { return this.m.left + ((x - this.xlim[0]) / (this.xlim[1] - this.xlim[0])) * this.w; }
  py(y) { return this.m.top + this.h - ((y - this.ylim[0]) / (this.ylim[1] - this.ylim[0])) * this.h; }
  data(px, py) {
    return [this.xlim[0] + ((px - this.m.left) / this.w) * (this.xlim[1] - this.xlim[0]),
      this.ylim[0] + ((this.m.top + this.h - py) / this.h) * (this.ylim[1] - this.ylim[0])];
  }
  inside(px, py) { return px >= this.m.left && px <= this.m.left + this.w && py >= this.m.top && py <= this.m.top + this.h; }
  clear() { this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height); }
  clip() { const c = this.ctx; c.save(); c.beginPath(); c.rect(this.m.left, this.m.top, this.w, this.h); c.clip(); }
  axes(title, xlabel, ylabel, yfmt = fmt) {
    const c = this.ctx;
    c.save();
    c.strokeStyle = "#9aa1ad"; c.fillStyle = "#1d2330"; c.lineWidth = 1; c.font = "12px system-ui, sans-serif";
    c.strokeRect(this.m.left, this.m.top, this.w, this.h);
    c.textAlign = "center"; c.textBaseline = "top";
    const drawn = { x: [], y: [], clipped: false };
    for (const t of ticks(...this.xlim)) {
      const x = this.px(t);
      c.beginPath(); c.moveTo(x, this.m.top + this.h); c.lineTo(x, this.m.top + this.h + 4); c.stroke();
      c.fillText(fmt(t), x, this.m.top + this.h + 6);
      drawn.x.push(fmt(t));
    }
    c.textAlign = "right"; c.textBaseline = "middle";
    for (const t of ticks(...this.ylim)) {
      const y = this.py(t);
      c.beginPath(); c.moveTo(this.m.left - 4, y); c.lineTo(this.m.left, y); c.stroke();
      c.fillText(yfmt(t), this.m.left - 6, y);
      drawn.y.push(yfmt(t));
      // a label wider than the margin runs off the canvas's left edge
      if (c.measureText(yfmt(t)).width > this.m.left - 6) drawn.clipped = true;
    }
    window.gradwalkExplore.axes = { ...(window.gradwalkExplore.axes ?? {}), [this.canvas.id]: drawn };
    c.textAlign = "left"; c.textBaseline = "bottom"; c.font = "600 13px system-ui, sans-serif";
    c.fillText(title, this.m.left, this.m.top - 8);
    c.font = "12px system-ui, sans-serif"; c.textAlign = "right"; c.textBaseline = "bottom";
    c.fillText(xlabel, this.m.left + this.w, this.canvas.height - 2);
    c.save(); c.translate(12, this.m.top); c.rotate(-Math.PI / 2); c.textAlign = "right"; c.textBaseline = "middle";
    c.fillText(ylabel, 0, 0); c.restore();
    c.restore();
  }
}

// A light sequential colour scale for t in [0, 1] (dark blue at the bottom, pale at the top).
export function shade(t) {
  const stops = [[38, 70, 150], [63, 132, 190], [120, 190, 200], [200, 230, 200], [250, 248, 225]];
  const s = Math.min(Math.max(t, 0), 1) * (stops.length - 1), i = Math.min(Math.floor(s), stops.length - 2), f = s - i;
  return stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
}
