// @ts-check
// Boot Pyodide, micropip and micropip-ext, load web/py/webglue.py, and expose its functions as (promises of)
// plain JSON data (no Python proxies escape this module). It runs in the page's worker (worker.mjs).

/** @typedef {import("./config.mjs").PageConfig} PageConfig */

/**
 * @typedef {object} About
 * @property {string | null} micropip_ext
 * @property {string | null} micropip
 * @property {string[]} index_urls
 */

/**
 * The part of Pyodide's API the page uses (Pyodide's own types describe a newer, wider interface).
 * @typedef {object} Pyodide
 * @property {(names: string[], options: {messageCallback: (m: string) => void,
 *   errorCallback: (m: string) => void}) => Promise<unknown>} loadPackage
 * @property {{mkdirTree: (path: string) => void, writeFile: (path: string, data: string) => void}} FS
 * @property {(code: string) => unknown} runPython
 * @property {(name: string) => Glue} pyimport
 */

/**
 * web/py/webglue.py as JavaScript sees it: every function returns a JSON string (or a promise of one).
 * @typedef {object} Glue
 * @property {() => string} about
 * @property {(urls: string) => void} set_index_urls
 * @property {() => string} current_index_urls
 * @property {(url: string) => Promise<void>} install_project
 * @property {(requirements: string) => Promise<string>} install
 * @property {() => string} environment
 * @property {(onProgress: (done: number, total: number) => void) => Promise<string>} freeze
 * @property {(query: string, refresh: boolean) => Promise<string>} symbol_search
 * @property {() => string} dependency_graph
 * @property {(name: string) => Promise<string>} provider_search
 */

const GLUE_DIR = "/tmp/micropip_ext_web";

/**
 * @param {Pyodide} pyodide
 * @param {string[]} names
 */
async function loadPackages(pyodide, names) {
  /** @type {string[]} */
  const failures = [];
  await pyodide.loadPackage(names, {
    messageCallback: () => {},
    errorCallback: (msg) => failures.push(msg),
  });
  if (failures.length) throw new Error(`could not load ${names.join(", ")}: ${failures.join("; ")}`);
}

export class Runtime {
  /** @param {Glue} glue */
  constructor(glue) {
    this.glue = glue;
  }

  /**
   * @param {PageConfig} config
   * @param {(text: string) => void} onStatus
   * @returns {Promise<Runtime>}
   */
  static async boot(config, onStatus) {
    onStatus(`Loading Pyodide from ${config.pyodideBaseURL}…`);
    /** @type {(options: Record<string, unknown>) => Promise<Pyodide>} */
    let loadPyodide;
    try {
      ({ loadPyodide } = await import(new URL("pyodide.mjs", config.pyodideBaseURL).href));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot load pyodide.mjs from ${config.pyodideBaseURL} (${why})`);
    }
    /** @type {Record<string, unknown>} */
    const options = { indexURL: config.pyodideBaseURL, packageBaseUrl: config.packageBaseURL };
    if (config.lockFileURL) options.lockFileURL = config.lockFileURL;
    const pyodide = await loadPyodide(options);

    onStatus("Installing micropip…");
    await loadPackages(pyodide, ["micropip", "packaging"]);

    onStatus("Loading the page's Python module…");
    const response = await fetch(config.gluePath);
    if (!response.ok) throw new Error(`cannot fetch ${config.gluePath}: HTTP ${response.status}`);
    pyodide.FS.mkdirTree(GLUE_DIR);
    pyodide.FS.writeFile(`${GLUE_DIR}/webglue.py`, await response.text());
    pyodide.runPython(`import sys\nif ${JSON.stringify(GLUE_DIR)} not in sys.path: sys.path.insert(0, ${JSON.stringify(GLUE_DIR)})`);
    const glue = pyodide.pyimport("webglue");
    // The configured indexes first, so micropip-ext's own dependencies resolve from them too.
    if (config.indexURLs.length) glue.set_index_urls(JSON.stringify(config.indexURLs));

    onStatus("Installing micropip-ext…");
    if (config.projectWheelURL) {
      await glue.install_project(config.projectWheelURL);
    } else {
      await loadPackages(pyodide, ["micropip-ext"]);
    }
    return new Runtime(glue);
  }

  /** @returns {About} */
  about() { return JSON.parse(this.glue.about()); }

  /**
   * @param {string[]} urls
   * @returns {string[]} the index URLs micropip uses now
   */
  setIndexURLs(urls) {
    this.glue.set_index_urls(JSON.stringify(urls));
    return JSON.parse(this.glue.current_index_urls());
  }

  /**
   * @param {string[]} requirements
   * @returns {Promise<import("./view.mjs").InstallResult>}
   */
  async install(requirements) { return JSON.parse(await this.glue.install(JSON.stringify(requirements))); }

  /** @returns {import("./view.mjs").EnvironmentView} */
  environment() { return JSON.parse(this.glue.environment()); }

  /**
   * @param {string} query
   * @param {boolean} [refresh]
   * @returns {Promise<import("./view.mjs").SymbolResults>}
   */
  async searchSymbols(query, refresh = false) { return JSON.parse(await this.glue.symbol_search(query, refresh)); }

  /** @returns {import("./graph.mjs").GraphData} */
  dependencyGraph() { return JSON.parse(this.glue.dependency_graph()); }

  /**
   * @param {string} name  an import name
   * @returns {Promise<import("./view.mjs").ProviderResults>}
   */
  async providers(name) { return JSON.parse(await this.glue.provider_search(name)); }

  /**
   * One freeze: both lockfiles and the report. `onProgress(done, total)` counts distributions resolved; Python
   * calls it (a JS function reaches Python as a proxy) while the freeze runs.
   * @param {(done: number, total: number) => void} onProgress
   * @returns {Promise<import("./view.mjs").FreezeOutputs>}
   */
  async freeze(onProgress) {
    return JSON.parse(await this.glue.freeze((done, total) => onProgress(Number(done), Number(total))));
  }
}
