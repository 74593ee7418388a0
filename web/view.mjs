// DOM rendering: status line, error messages, tables, downloads. No Pyodide here.

import { describeError } from "./runtime.mjs";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

export function setStatus(text, state = "busy") {
  const status = $("status");
  status.textContent = text;
  status.dataset.state = state;
}

/** Show an error in the page (readable one-liner, traceback behind a disclosure); also logged. */
export function showError(context, err) {
  const { message, detail } = describeError(err);
  console.error(context, err);
  const dismiss = el("button", { type: "button", textContent: "Dismiss" });
  const box = el("div", { class: "error" }, dismiss, el("strong", { textContent: `${context}: ` }), message);
  if (detail && detail !== message) {
    box.append(el("details", {}, el("summary", { textContent: "Details" }), el("pre", { textContent: detail })));
  }
  dismiss.addEventListener("click", () => box.remove());
  $("errors").append(box);
  return message;
}

export function clearErrors() {
  $("errors").replaceChildren();
}

export function renderInstall(result) {
  const note = $("install-note");
  note.hidden = !result.note;
  note.textContent = result.note || "";
  const items = result.installed.map((d) => {
    const item = el("li", { "data-name": d.name }, `${d.name} ${d.version}${d.previous ? ` (was ${d.previous})` : ""}`);
    const p = d.provenance;
    if (p) {
      const text = p.written
        ? `provenance recorded: ${p.index ? `index ${p.index}` : `file ${p.url}`}${p.reason ? ` (${p.reason})` : ""}`
        : `provenance not recorded: ${p.reason}`;
      item.append(el("span", { class: "provenance", textContent: ` (${text})` }));
    }
    return item;
  });
  if (!items.length) items.push(el("li", { textContent: "Nothing new: already installed." }));
  $("install-result").replaceChildren(...items);
}

function lockCell(lock, frozen) {
  if (!lock) return el("td", { textContent: frozen ? "not in the report" : "freeze to find out" });
  const yes = lock.lockable === true;
  const text = yes ? "yes" : lock.lockable === false ? "no" : "unknown";
  return el("td", { class: yes ? "yes" : "no", textContent: lock.reason ? `${text}: ${lock.reason}` : text });
}

export function renderEnvironment(env) {
  const rows = env.rows.map((r) => el("tr", { "data-name": r.name },
    el("th", { scope: "row", textContent: r.name }),
    el("td", { textContent: r.version }),
    el("td", { textContent: r.installer || "unknown" }),
    el("td", { class: "source", textContent: [r.source_kind, r.source].filter(Boolean).join(": ") }),
    el("td", { textContent: r.imports.join(", ") }),
    lockCell(r.lock, env.frozen)));
  $("env-table").tBodies[0].replaceChildren(...rows);
  const problems = env.problems.length ? ` Problems: ${env.problems.join("; ")}` : "";
  $("env-caption").textContent = `${env.rows.length} installed distributions.${problems}`;
}

export function renderProgress(done, total) {
  const bar = $("freeze-progress");
  bar.max = Math.max(total, 1);
  bar.value = Math.min(done, bar.max);
  $("freeze-count").textContent = `${done} / ${total}`;
}

const OUTPUTS = {
  pyodide_lock: { file: "pyodide-lock.json", type: "application/json" },
  pylock: { file: "pylock.toml", type: "application/toml" },
  report: { file: "freeze-report.json", type: "application/json" },
};

let objectURLs = [];

/** Offer each freeze output as a download and show the chosen one. */
export function renderFreeze(outputs) {
  objectURLs.forEach((u) => URL.revokeObjectURL(u));
  objectURLs = [];
  const links = [];
  for (const [key, { file, type }] of Object.entries(OUTPUTS)) {
    if (outputs[key] == null) continue;
    const href = URL.createObjectURL(new Blob([outputs[key]], { type }));
    objectURLs.push(href);
    links.push(el("a", { href, download: file, id: `download-${key}`, textContent: `Download ${file}` }));
  }
  $("downloads").replaceChildren(...links);
  const choice = $("output-choice");
  choice.disabled = false;
  for (const radio of choice.querySelectorAll("input")) radio.disabled = outputs[radio.value] == null;
  const show = () => {
    const picked = choice.querySelector("input:checked")?.value ?? "pyodide_lock";
    $("freeze-output").textContent = outputs[picked] ?? `${OUTPUTS[picked].file} is not produced by this build.`;
  };
  choice.onchange = show;
  show();
}

export function renderSymbols(query, found) {
  const rows = found.results.map((s) => el("tr", {},
    el("th", { scope: "row", textContent: s.symbol }),
    el("td", { textContent: s.kind }),
    el("td", { textContent: s.defined_in }),
    el("td", { textContent: s.version ? `${s.distribution} ${s.version}` : s.distribution }),
    el("td", { textContent: s.public.join(", ") || "(no public path)" })));
  $("symbols-table").tBodies[0].replaceChildren(...rows);
  const shown = found.total > found.results.length ? ` (first ${found.results.length} shown)` : "";
  $("symbols-caption").textContent = found.total
    ? `${found.total} matches for “${query}”${shown}.`
    : `No symbol or module matches “${query}”.`;
}
