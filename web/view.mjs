// @ts-check
// DOM rendering: status line, error messages, tables, downloads. No Pyodide here: it renders the plain JSON data
// runtime.mjs returns.

/**
 * @typedef {object} Provenance
 * @property {boolean} written
 * @property {string | null} index
 * @property {string | null} url
 * @property {string | null} reason
 *
 * @typedef {object} InstalledItem
 * @property {string} name
 * @property {string} version
 * @property {string | null} previous
 * @property {Provenance | null} provenance
 *
 * @typedef {object} InstallResult
 * @property {InstalledItem[]} installed
 *
 * @typedef {object} EnvironmentRow
 * @property {string} name
 * @property {string} version
 * @property {string | null} installer
 * @property {string} source_kind
 * @property {string} source
 * @property {string[]} imports
 * @property {string[]} problems
 * @property {{lockable: boolean, reason: string} | null} lock
 *
 * @typedef {object} EnvironmentView
 * @property {EnvironmentRow[]} rows
 * @property {string[]} problems
 * @property {boolean} frozen
 *
 * @typedef {object} FreezeOutputs
 * @property {number} requests
 * @property {number} bytes
 * @property {number} locked
 * @property {number} unlockable
 * @property {string} pyodide_lock
 * @property {string} pylock
 * @property {string} report
 *
 * @typedef {object} SymbolHit
 * @property {string} symbol
 * @property {string} kind
 * @property {string} defined_in
 * @property {string} distribution
 * @property {string | null} version
 * @property {string[]} public
 *
 * @typedef {object} SymbolResults
 * @property {SymbolHit[]} results
 * @property {number} total
 *
 * @typedef {object} Provider
 * @property {string} project
 * @property {string[]} versions
 * @property {string | null} installed  the version installed here, if any
 *
 * @typedef {object} ProviderResults
 * @property {string} name  the import name asked about
 * @property {Provider[]} providers  empty: no known distribution provides it
 */

/**
 * The element with this id (index.html has every one the page uses).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node;
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [props]  `class`, `textContent`, other DOM properties or attributes
 * @param {...(Node | string | null)} children
 * @returns {HTMLElement}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key in node) /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (node))[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

/**
 * One-line message of an error (a Python exception's last line), the full text kept for a details view.
 * @param {unknown} err
 * @returns {{message: string, detail: string | null}}
 */
export function describeError(err) {
  const error = /** @type {{message?: unknown, type?: unknown, stack?: unknown} | null | undefined} */ (err);
  const text = String((error && error.message) || err);
  if (error && error.type && text.includes("Traceback")) {
    const lines = text.trim().split("\n").filter((l) => l.trim());
    return { message: lines[lines.length - 1], detail: text };
  }
  return { message: text, detail: error && error.stack ? String(error.stack) : null };
}

/**
 * @param {string} text
 * @param {"loading" | "busy" | "ready" | "failed"} state
 */
export function setStatus(text, state) {
  const status = byId("status");
  status.textContent = text;
  status.dataset.state = state;
}

/**
 * Show an error in the page (readable one-liner, traceback behind a disclosure); also logged.
 * @param {string} context
 * @param {unknown} err
 * @returns {string} the one-line message
 */
export function showError(context, err) {
  const { message, detail } = describeError(err);
  console.error(context, err);
  const dismiss = el("button", { type: "button", textContent: "Dismiss" });
  const box = el("div", { class: "error" }, dismiss, el("strong", { textContent: `${context}: ` }), message);
  if (detail && detail !== message) {
    box.append(el("details", {}, el("summary", { textContent: "Details" }), el("pre", { textContent: detail })));
  }
  dismiss.addEventListener("click", () => box.remove());
  byId("errors").append(box);
  return message;
}

/** @param {InstallResult} result */
export function renderInstall(result) {
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
  byId("install-result").replaceChildren(...items);
}

/**
 * @param {EnvironmentRow["lock"]} lock
 * @param {boolean} frozen
 */
function lockCell(lock, frozen) {
  if (!lock) return el("td", { textContent: frozen ? "not in the report" : "freeze to find out" });
  const text = lock.lockable ? "yes" : "no";
  return el("td", { class: text, textContent: lock.reason ? `${text}: ${lock.reason}` : text });
}

/** @param {EnvironmentView} env */
export function renderEnvironment(env) {
  const rows = env.rows.map((r) => el("tr", { "data-name": r.name },
    el("th", { scope: "row", textContent: r.name }),
    el("td", { textContent: r.version }),
    el("td", { textContent: r.installer || "unknown" }),
    el("td", { class: "source", textContent: [r.source_kind, r.source].filter(Boolean).join(": ") }),
    el("td", { textContent: r.imports.join(", ") }),
    lockCell(r.lock, env.frozen)));
  const table = /** @type {HTMLTableElement} */ (byId("env-table"));
  table.tBodies[0].replaceChildren(...rows);
  const problems = env.problems.length ? ` Problems: ${env.problems.join("; ")}` : "";
  byId("env-caption").textContent = `${env.rows.length} installed distributions.${problems}`;
}

/**
 * Freeze progress, in distributions resolved.
 * @param {number} done
 * @param {number} total
 */
export function renderProgress(done, total) {
  const bar = /** @type {HTMLProgressElement} */ (byId("freeze-progress"));
  bar.max = Math.max(total, 1);
  bar.value = Math.min(done, bar.max);
  byId("freeze-count").textContent = `${done} / ${total} distributions`;
}

/** @type {Record<"pyodide_lock" | "pylock" | "report", {file: string, type: string}>} */
const OUTPUTS = {
  pyodide_lock: { file: "pyodide-lock.json", type: "application/json" },
  pylock: { file: "pylock.toml", type: "application/toml" },
  report: { file: "freeze-report.json", type: "application/json" },
};

/** @type {string[]} */
let objectURLs = [];

/**
 * Offer each freeze output as a download and show the chosen one.
 * @param {FreezeOutputs} outputs
 */
export function renderFreeze(outputs) {
  objectURLs.forEach((u) => URL.revokeObjectURL(u));
  objectURLs = [];
  const links = [];
  for (const [key, { file, type }] of Object.entries(OUTPUTS)) {
    const href = URL.createObjectURL(new Blob([outputs[/** @type {keyof typeof OUTPUTS} */ (key)]], { type }));
    objectURLs.push(href);
    links.push(el("a", { href, download: file, id: `download-${key}`, textContent: `Download ${file}` }));
  }
  byId("downloads").replaceChildren(...links);
  const choice = /** @type {HTMLFieldSetElement} */ (byId("output-choice"));
  choice.disabled = false;
  const show = () => {
    const picked = /** @type {HTMLInputElement | null} */ (choice.querySelector("input:checked"));
    byId("freeze-output").textContent = outputs[/** @type {keyof typeof OUTPUTS} */ (picked?.value ?? "pyodide_lock")];
  };
  choice.onchange = show;
  show();
  byId("freeze-count").textContent += ` · ${outputs.requests} requests, ${outputs.bytes} bytes` +
    ` · ${outputs.locked} locked, ${outputs.unlockable} not lockable`;
}

/**
 * @param {string} query
 * @param {SymbolResults} found
 */
export function renderSymbols(query, found) {
  const rows = found.results.map((s) => el("tr", {},
    el("th", { scope: "row", textContent: s.symbol }),
    el("td", { textContent: s.kind }),
    el("td", { textContent: s.defined_in }),
    el("td", { textContent: s.version ? `${s.distribution} ${s.version}` : s.distribution }),
    el("td", { textContent: s.public.join(", ") || "(no public path)" })));
  const table = /** @type {HTMLTableElement} */ (byId("symbols-table"));
  table.tBodies[0].replaceChildren(...rows);
  const shown = found.total > found.results.length ? ` (first ${found.results.length} shown)` : "";
  byId("symbols-caption").textContent = found.total
    ? `${found.total} matches for “${query}”${shown}.`
    : `No symbol or module matches “${query}”.`;
}

/**
 * Which distributions provide an import: one row per project, with an Install button for each one not installed.
 * @param {ProviderResults} found
 * @param {(project: string) => void} onInstall
 */
export function renderProviders(found, onInstall) {
  const rows = found.providers.map((p) => {
    let action;
    if (p.installed) {
      action = el("td", { textContent: `installed: ${p.installed}` });
    } else {
      const button = el("button", { type: "button", class: "install-provider", textContent: `Install ${p.project}` });
      button.addEventListener("click", () => onInstall(p.project));
      action = el("td", {}, button);
    }
    return el("tr", { "data-project": p.project },
      el("th", { scope: "row", textContent: p.project }),
      el("td", { textContent: p.versions.join(", ") }),
      action);
  });
  const table = /** @type {HTMLTableElement} */ (byId("providers-table"));
  table.tBodies[0].replaceChildren(...rows);
  byId("providers-caption").textContent = found.providers.length
    ? `import ${found.name}: provided by ${found.providers.map((p) => p.project).join(", ")}.`
    : `No known distribution provides “import ${found.name}”.`;
}
