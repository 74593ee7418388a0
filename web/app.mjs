// @ts-check
// The page: boot the runtime (Pyodide in a worker, see client.mjs), then wire each form/button to one call. Every failure is shown in the
// page (view.showError), never only in the console. The status line (#status, data-state) says when an action
// is busy, done or failed: that is what users, assistive technology and the tests read.

import { absoluteIndexURL, resolveConfig } from "./config.mjs";
import { RuntimeClient } from "./client.mjs";
import { renderGraph } from "./graph.mjs";
import {
  byId, renderEnvironment, renderFreeze, renderInstall, renderProgress, renderProviders, renderSymbols, setStatus,
  showError,
} from "./view.mjs";

const BUTTONS = ["apply-settings", "install-button", "env-refresh", "freeze-button", "graph-button", "symbols-button",
  "providers-button"];

/** @type {RuntimeClient | null} */
let runtime = null;
/** Where Viz.js is (config.vizURL); set once the configuration is read. */
let vizURL = "";
/** Once the graph is shown, it is redrawn whenever the environment table is (after installs and freezes). */
let graphShown = false;

/** @returns {RuntimeClient} */
function booted() {
  if (!runtime) throw new Error("Pyodide has not started");
  return runtime;
}

/**
 * @param {string} id
 * @returns {HTMLInputElement | HTMLTextAreaElement}
 */
function field(id) {
  return /** @type {HTMLInputElement | HTMLTextAreaElement} */ (byId(id));
}

/** @param {boolean} disabled */
function setButtons(disabled) {
  BUTTONS.forEach((id) => { /** @type {HTMLButtonElement} */ (byId(id)).disabled = disabled; });
  document.querySelectorAll("button.install-provider").forEach((b) => {
    /** @type {HTMLButtonElement} */ (b).disabled = disabled;
  });
}

/** @param {string} text */
function splitRequirements(text) {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

/**
 * Run one user action: busy status, buttons off, errors shown.
 * @param {string} label
 * @param {() => Promise<void>} work
 */
async function action(label, work) {
  setButtons(true);
  setStatus(`${label}…`, "busy");
  try {
    await work();
    setStatus(`${label}: done.`, "ready");
  } catch (err) {
    const message = showError(label, err);
    setStatus(`${label} failed: ${message}`, "failed");
  } finally {
    setButtons(false);
  }
}

async function drawGraph() {
  await renderGraph(await booted().dependencyGraph(), vizURL);
  graphShown = true;
}

async function refreshEnvironment() {
  renderEnvironment(await booted().environment());
  if (graphShown) await drawGraph();
}

/** @param {string[]} requirements */
function install(requirements) {
  return action(`Installing ${requirements.join(" ")}`, async () => {
    renderInstall(await booted().install(requirements));
    await refreshEnvironment();
  });
}

function wire() {
  byId("settings-form").addEventListener("submit", (event) => {
    event.preventDefault();
    action("Setting index URLs", async () => {
      const urls = field("index-urls").value.split("\n").map((u) => u.trim()).filter(Boolean)
        .map((u) => absoluteIndexURL(u, location.href));
      field("index-urls").value = (await booted().setIndexURLs(urls)).join("\n");
    });
  });

  byId("install-form").addEventListener("submit", (event) => {
    event.preventDefault();
    install(splitRequirements(field("install-input").value));
  });

  byId("env-refresh").addEventListener("click", () => action("Reading the environment", refreshEnvironment));

  byId("freeze-button").addEventListener("click", () => action("Freezing", async () => {
    renderProgress(0, 0);
    renderFreeze(await booted().freeze(renderProgress));
    await refreshEnvironment();
  }));

  byId("symbols-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = field("symbols-input").value.trim();
    action(`Searching for ${query}`, async () => renderSymbols(query, await booted().searchSymbols(query)));
  });

  byId("graph-button").addEventListener("click", () => action("Drawing the dependency graph", drawGraph));

  byId("providers-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = field("providers-input").value.trim();
    action(`Finding what provides import ${name}`,
      async () => renderProviders(await booted().providers(name), (project) => install([project])));
  });
}

// Anything that escapes an action (a bug, a failed module import) still reaches the page, not only the console.
window.addEventListener("error", (event) => showError("Unexpected error", event.error ?? event.message));
window.addEventListener("unhandledrejection", (event) => showError("Unexpected error", event.reason));

async function main() {
  wire();
  try {
    const config = await resolveConfig(location.href);
    byId("pyodide-base").textContent = config.pyodideBaseURL;
    vizURL = config.vizURL;
    byId("lockfile-url").textContent = config.lockFileURL ?? "the Pyodide distribution's pyodide-lock.json";
    runtime = await RuntimeClient.boot(config, (text) => setStatus(text, "loading"));
    const about = await runtime.about();
    field("index-urls").value = about.index_urls.join("\n");
    byId("ext-version").textContent = `${about.micropip_ext} (micropip ${about.micropip})`;
  } catch (err) {
    const message = showError("Starting", err);
    setStatus(`Could not start: ${message}`, "failed");
    return;
  }
  setStatus("Reading the environment…", "loading");
  await refreshEnvironment().catch((err) => showError("Reading the environment", err));
  setButtons(false);
  setStatus("Ready.", "ready");
}

main();
