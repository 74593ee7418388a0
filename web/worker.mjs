// @ts-check
// The page's Pyodide runs here, in a module worker, so a long install or freeze never freezes the page.
// Protocol (client.mjs is the other end): the page posts {id, method, args}; the worker answers
// {id, result} or {id, error: {message, type, stack}}, and sends {id, progress: [done, total]} during a freeze
// and {status: text} while it boots.

import { Runtime } from "./runtime.mjs";

/** @type {Runtime | null} */
let runtime = null;

/** @param {unknown} message */
function post(message) {
  self.postMessage(message);
}

/**
 * @param {Runtime | null} booted
 * @param {number} id
 * @param {string} method
 * @param {unknown[]} args
 * @returns {Promise<unknown>}
 */
async function call(booted, id, method, args) {
  if (!booted) throw new Error("Pyodide has not started");
  switch (method) {
    case "about": return booted.about();
    case "setIndexURLs": return booted.setIndexURLs(/** @type {string[]} */ (args[0]));
    case "install": return booted.install(/** @type {string[]} */ (args[0]));
    case "environment": return booted.environment();
    case "searchSymbols": return booted.searchSymbols(/** @type {string} */ (args[0]));
    case "dependencyGraph": return booted.dependencyGraph();
    case "providers": return booted.providers(/** @type {string} */ (args[0]));
    case "freeze": return booted.freeze((done, total) => post({ id, progress: [done, total] }));
    default: throw new Error(`no such call: ${method}`);
  }
}

self.addEventListener("message", async (event) => {
  const { id, method, args } = /** @type {{id: number, method: string, args: unknown[]}} */ (event.data);
  try {
    let result = null;
    if (method === "boot") {
      runtime = await Runtime.boot(/** @type {import("./config.mjs").PageConfig} */ (args[0]),
        (text) => post({ status: text }));
    } else {
      result = await call(runtime, id, method, args);
    }
    post({ id, result });
  } catch (err) {
    const error = /** @type {{message?: unknown, type?: unknown, stack?: unknown}} */ (err ?? {});
    post({ id, error: { message: String(error.message ?? err), type: error.type ?? null, stack: error.stack ?? null } });
  }
});
