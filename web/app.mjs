// The page: boot the runtime, then wire each form/button to one Runtime call. Every failure is shown in the
// page (view.showError), never only in the console.

import { resolveConfig } from "./config.mjs";
import { Runtime } from "./runtime.mjs";
import {
  clearErrors, renderEnvironment, renderFreeze, renderInstall, renderProgress, renderSymbols, setStatus, showError,
} from "./view.mjs";

const $ = (id) => document.getElementById(id);
const BUTTONS = ["apply-settings", "install-button", "env-refresh", "freeze-button", "symbols-button"];

// For tests and the console: the runtime once booted, and a promise that settles when booting does.
const app = { runtime: null, config: null, capabilities: null };
window.micropipExtApp = app;

function splitRequirements(text) {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

/** Run one user action: busy status, buttons off, errors shown; returns the action's result or undefined. */
async function action(label, work) {
  BUTTONS.forEach((id) => ($(id).disabled = true));
  setStatus(`${label}…`, "busy");
  try {
    const result = await work();
    setStatus(`${label}: done.`, "ready");
    return result;
  } catch (err) {
    const message = showError(label, err);
    setStatus(`${label} failed: ${message}`, "failed");
    return undefined;
  } finally {
    BUTTONS.forEach((id) => ($(id).disabled = false));
    // How many actions have finished: lets scripts (and tests) wait for "this action is over" without races.
    document.body.dataset.actionsDone = String(Number(document.body.dataset.actionsDone || 0) + 1);
  }
}

async function refreshEnvironment() {
  if (app.capabilities && !app.capabilities.entry_points.inspect) {
    $("env-caption").textContent = "micropip_ext.inspect is not available in this build of micropip-ext.";
    return;
  }
  renderEnvironment(await app.runtime.environment());
}

function wire() {
  $("settings-form").addEventListener("submit", (event) => {
    event.preventDefault();
    action("Setting index URLs", async () => {
      const urls = $("index-urls").value.split("\n").map((u) => u.trim()).filter(Boolean)
        .map((u) => new URL(u, location.href).href);
      const effective = await app.runtime.setIndexURLs(urls);
      $("index-urls").value = effective.join("\n");
    });
  });

  $("install-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const requirements = splitRequirements($("install-input").value);
    action(`Installing ${requirements.join(" ")}`, async () => {
      renderInstall(await app.runtime.install(requirements));
      await refreshEnvironment().catch((err) => showError("Refreshing the environment", err));
    });
  });

  $("env-refresh").addEventListener("click", () => action("Reading the environment", refreshEnvironment));

  $("freeze-button").addEventListener("click", () => action("Freezing", async () => {
    renderProgress(0, 0);
    const outputs = await app.runtime.freeze(renderProgress);
    const count = $("freeze-count");
    const parts = [outputs.unit ? `${count.textContent} ${outputs.unit}` : "(this build of freeze reports no progress)"];
    if (outputs.requests != null) parts.push(`${outputs.requests} requests, ${outputs.bytes ?? 0} bytes`);
    if (outputs.locked != null) parts.push(`${outputs.locked} locked, ${outputs.unlockable} not lockable`);
    count.textContent = parts.join(" · ");
    renderFreeze(outputs);
    await refreshEnvironment().catch((err) => showError("Refreshing the environment", err));
  }));

  $("symbols-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = $("symbols-input").value.trim();
    action(`Searching for ${query}`, async () => renderSymbols(query, await app.runtime.searchSymbols(query)));
  });
}

// Anything that escapes an action (a bug, a failed module import) still reaches the page, not only the console.
window.addEventListener("error", (event) => showError("Unexpected error", event.error ?? event.message));
window.addEventListener("unhandledrejection", (event) => showError("Unexpected error", event.reason));

async function main() {
  wire();
  try {
    app.config = await resolveConfig(location.href);
    $("pyodide-base").textContent = app.config.pyodideBaseURL;
    $("lockfile-url").textContent = app.config.lockFileURL ?? "the Pyodide distribution's pyodide-lock.json";
    app.runtime = await Runtime.boot(app.config, (text) => setStatus(text, "loading"));
    app.capabilities = await app.runtime.capabilities();
    $("index-urls").value = app.capabilities.index_urls.join("\n");
    $("ext-version").textContent = `${app.capabilities.micropip_ext ?? "not installed"} (micropip ${app.capabilities.micropip})`;
  } catch (err) {
    const message = showError("Starting", err);
    setStatus(`Could not start: ${message}`, "failed");
    return;
  }
  setStatus("Reading the environment…", "loading");
  await refreshEnvironment().catch((err) => showError("Reading the environment", err));
  BUTTONS.forEach((id) => ($(id).disabled = false));
  setStatus("Ready.", "ready");
}

app.ready = main();
