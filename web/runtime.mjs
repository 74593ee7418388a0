// Boot Pyodide, micropip and micropip-ext, load web/py/webglue.py, and expose its functions as promises of
// plain JSON data (no Python proxies escape this module).

const GLUE_DIR = "/tmp/micropip_ext_web";

/** One-line message of a Python exception (its last line), the full traceback kept for a details view. */
export function describeError(err) {
  const text = String((err && err.message) || err);
  if (err && err.type && text.includes("Traceback")) {
    const lines = text.trim().split("\n").filter((l) => l.trim());
    return { message: lines[lines.length - 1], detail: text };
  }
  return { message: text, detail: err && err.stack ? String(err.stack) : null };
}

async function loadPackages(pyodide, names) {
  const failures = [];
  await pyodide.loadPackage(names, {
    messageCallback: () => {},
    errorCallback: (msg) => failures.push(msg),
  });
  if (failures.length) throw new Error(`could not load ${names.join(", ")}: ${failures.join("; ")}`);
}

export class Runtime {
  constructor(pyodide, glue) {
    this.pyodide = pyodide;
    this.glue = glue;
  }

  static async boot(config, onStatus) {
    onStatus(`Loading Pyodide from ${config.pyodideBaseURL}…`);
    let loadPyodide;
    try {
      ({ loadPyodide } = await import(new URL("pyodide.mjs", config.pyodideBaseURL).href));
    } catch (err) {
      throw new Error(`cannot load pyodide.mjs from ${config.pyodideBaseURL} (${err.message})`);
    }
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
    return new Runtime(pyodide, glue);
  }

  async call(name, ...args) {
    const result = await this.glue[name](...args);
    return JSON.parse(result);
  }

  capabilities() { return this.call("capabilities"); }
  setIndexURLs(urls) { return this.call("set_index_urls", JSON.stringify(urls)); }
  install(requirements) { return this.call("install", JSON.stringify(requirements)); }
  environment() { return this.call("environment"); }
  searchSymbols(query, refresh = false) { return this.call("symbol_search", query, refresh); }

  /** Freeze; `onProgress(done, total)` is called from Python as requests complete. */
  freeze(onProgress) {
    // A JS function reaches Python as a JsProxy that Python may call at any time during the freeze.
    return this.call("freeze", (done, total) => onProgress(Number(done), Number(total)));
  }
}
