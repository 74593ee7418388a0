// Where the page gets Pyodide, indexes and an optional lockfile from.
// Precedence: query parameters > config.json next to the page > defaults. Every URL is resolved against the
// page, so the same files work from `python -m indexer serve` and from any static host.

export const DEFAULTS = Object.freeze({
  // The locally served copy of the Pyodide distribution (same origin).
  pyodideBaseURL: "./pyodide/",
  // Empty: keep micropip's own configured index URLs (the installer's configuration is the default).
  indexURLs: [],
  // Optional: boot Pyodide from this pyodide-lock.json instead of the distribution's own.
  lockFileURL: null,
  // Where relative file_name entries of the lockfile live; default: the Pyodide distribution.
  packageBaseURL: null,
  // Optional: install micropip-ext from this wheel URL instead of the lockfile's "micropip-ext" entry.
  projectWheelURL: null,
  // The Python side of the page.
  gluePath: "./py/webglue.py",
});

const QUERY_KEYS = {
  pyodide: "pyodideBaseURL",
  pyodideBaseURL: "pyodideBaseURL",
  lockFileURL: "lockFileURL",
  lock: "lockFileURL",
  packageBaseURL: "packageBaseURL",
  wheel: "projectWheelURL",
  projectWheelURL: "projectWheelURL",
};

function absolute(url, base) {
  return url ? new URL(url, base).href : null;
}

function directory(url) {
  return url.endsWith("/") ? url : url + "/";
}

/** Read config.json (absent is fine; malformed is an error the page shows). */
async function readConfigFile(pageURL, fetchImpl) {
  const url = new URL("config.json", pageURL);
  let response;
  try {
    response = await fetchImpl(url, { cache: "no-cache" });
  } catch {
    return { config: {}, source: null };
  }
  if (response.status === 404) return { config: {}, source: null };  // no config.json: the defaults
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}`);
  const text = await response.text();
  try {
    const config = JSON.parse(text);
    if (config === null || typeof config !== "object" || Array.isArray(config)) throw new Error("not a JSON object");
    return { config, source: url.href };
  } catch (err) {
    throw new Error(`${url.href} is not a valid configuration (${err.message})`);
  }
}

/** The effective configuration for a page at `pageURL`; all URLs absolute. */
export async function resolveConfig(pageURL, fetchImpl = fetch) {
  const { config: fromFile, source } = await readConfigFile(pageURL, fetchImpl);
  const merged = { ...DEFAULTS, ...fromFile };
  const params = new URL(pageURL).searchParams;
  for (const [param, key] of Object.entries(QUERY_KEYS)) {
    if (params.has(param)) merged[key] = params.get(param);
  }
  if (params.has("index")) merged.indexURLs = params.getAll("index");
  if (typeof merged.indexURLs === "string") merged.indexURLs = [merged.indexURLs];
  const base = source ?? pageURL;
  const pyodideBaseURL = directory(absolute(merged.pyodideBaseURL, base));
  return {
    pyodideBaseURL,
    indexURLs: (merged.indexURLs || []).filter(Boolean).map((u) => absolute(u, base)),
    lockFileURL: absolute(merged.lockFileURL, base),
    packageBaseURL: directory(absolute(merged.packageBaseURL, base) ?? pyodideBaseURL),
    projectWheelURL: absolute(merged.projectWheelURL, base),
    gluePath: absolute(merged.gluePath, pageURL),
    configFile: source,
  };
}
