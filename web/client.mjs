// @ts-check
// The page's side of the Pyodide worker (worker.mjs): the Runtime's calls, as promises of plain JSON data.

/** @typedef {import("./config.mjs").PageConfig} PageConfig */

/**
 * An error raised in the worker, rebuilt on the page with what view.describeError reads.
 */
export class WorkerError extends Error {
  /**
   * @param {{message: string, type: string | null, stack: string | null}} raised
   */
  constructor(raised) {
    super(raised.message);
    /** Python's exception type, when the error is a Python exception (its message holds the traceback). */
    this.type = raised.type;
    if (raised.stack) this.stack = raised.stack;
  }
}

/**
 * @typedef {object} Pending
 * @property {(value: any) => void} resolve
 * @property {(reason: unknown) => void} reject
 * @property {((done: number, total: number) => void) | undefined} onProgress
 */

export class RuntimeClient {
  /**
   * Start the worker and boot Pyodide in it.
   * @param {PageConfig} config
   * @param {(text: string) => void} onStatus
   * @returns {Promise<RuntimeClient>}
   */
  static async boot(config, onStatus) {
    const client = new RuntimeClient(new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" }), onStatus);
    await client.call("boot", [config]);
    return client;
  }

  /**
   * @param {Worker} worker
   * @param {(text: string) => void} onStatus
   */
  constructor(worker, onStatus) {
    this.worker = worker;
    this.nextId = 1;
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    worker.addEventListener("message", (event) => {
      const data = event.data;
      if (data.status != null) return onStatus(data.status);
      const waiting = this.pending.get(data.id);
      if (!waiting) return;
      if (data.progress) return waiting.onProgress?.(data.progress[0], data.progress[1]);
      this.pending.delete(data.id);
      if (data.error) waiting.reject(new WorkerError(data.error));
      else waiting.resolve(data.result);
    });
    // The worker's module failed to load (or crashed): every call still waiting fails with that.
    worker.addEventListener("error", (event) => {
      const error = new Error(`the Pyodide worker failed: ${event.message || "it could not start"}`);
      this.pending.forEach((waiting) => waiting.reject(error));
      this.pending.clear();
    });
  }

  /**
   * @param {string} method
   * @param {unknown[]} [args]
   * @param {(done: number, total: number) => void} [onProgress]
   * @returns {Promise<any>}
   */
  call(method, args = [], onProgress = undefined) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, method, args });
    });
  }

  /** @returns {Promise<import("./runtime.mjs").About>} */
  about() { return this.call("about"); }

  /**
   * @param {string[]} urls
   * @returns {Promise<string[]>} the index URLs micropip uses now
   */
  setIndexURLs(urls) { return this.call("setIndexURLs", [urls]); }

  /**
   * @param {string[]} requirements
   * @returns {Promise<import("./view.mjs").InstallResult>}
   */
  install(requirements) { return this.call("install", [requirements]); }

  /** @returns {Promise<import("./view.mjs").EnvironmentView>} */
  environment() { return this.call("environment"); }

  /**
   * @param {string} query
   * @returns {Promise<import("./view.mjs").SymbolResults>}
   */
  searchSymbols(query) { return this.call("searchSymbols", [query]); }

  /** @returns {Promise<import("./graph.mjs").GraphData>} */
  dependencyGraph() { return this.call("dependencyGraph"); }

  /**
   * @param {string} name  an import name
   * @returns {Promise<import("./view.mjs").ProviderResults>}
   */
  providers(name) { return this.call("providers", [name]); }

  /**
   * One freeze; `onProgress(done, total)` counts distributions resolved.
   * @param {(done: number, total: number) => void} onProgress
   * @returns {Promise<import("./view.mjs").FreezeOutputs>}
   */
  freeze(onProgress) { return this.call("freeze", [], onProgress); }
}
