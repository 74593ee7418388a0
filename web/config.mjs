// @ts-check
// Where the page gets Pyodide, indexes and an optional lockfile from.
// Precedence: query parameters > config.json next to the page > defaults. Every URL is resolved against the
// page (or config.json for its own values), so the same files work from `python -m indexer serve` and from any
// static host.
//
// Origins: a URL given in the query string (anyone can send a link with one) is loaded only from the page's own
// origin or an origin config.json lists in `allowedOrigins`; config.json is the deployer's own file, so its URLs
// are taken as they are. Only http(s) URLs are loaded at all.

/**
 * @typedef {object} PageConfig
 * @property {string} pyodideBaseURL  where pyodide.mjs and the distribution live (ends with "/")
 * @property {string[]} indexURLs  simple-API index URLs for micropip (empty: micropip's own setting)
 * @property {string | null} lockFileURL  boot Pyodide from this pyodide-lock.json instead of the distribution's
 * @property {string} packageBaseURL  where the lockfile's relative file names live (ends with "/")
 * @property {string | null} projectWheelURL  install micropip-ext from this wheel instead of the lockfile
 * @property {string} gluePath  the page's Python module (web/py/webglue.py)
 * @property {string} vizURL  the vendored Viz.js ES module that draws the dependency graph (scripts/vendor_viz.sh)
 * @property {string | null} configFile  the config.json that was read, if any
 * @property {string[]} allowedOrigins  origins URLs from the query string may point at (the page's own first)
 */

export const DEFAULTS = Object.freeze({
  // The locally served copy of the Pyodide distribution (same origin).
  pyodideBaseURL: "./pyodide/",
  // Empty: keep micropip's own configured index URLs (the installer's configuration is the default).
  indexURLs: /** @type {string[]} */ ([]),
  // Optional: boot Pyodide from this pyodide-lock.json instead of the distribution's own.
  lockFileURL: /** @type {string | null} */ (null),
  // Where relative file_name entries of the lockfile live; default: the Pyodide distribution.
  packageBaseURL: /** @type {string | null} */ (null),
  // Optional: install micropip-ext from this wheel URL instead of the lockfile's "micropip-ext" entry.
  projectWheelURL: /** @type {string | null} */ (null),
  // Origins (besides the page's own) that URLs in the query string may point at.
  allowedOrigins: /** @type {string[]} */ ([]),
  // The Python side of the page.
  gluePath: "./py/webglue.py",
  // Viz.js (Graphviz in WebAssembly), vendored by set-up into build/vendor/viz/; `indexer serve` mounts build/vendor/.
  vizURL: "./vendor/viz/viz.js",
});

/** Query parameter -> configuration key, for the settings that are one URL. */
const QUERY_KEYS = /** @type {const} */ ({
  pyodide: "pyodideBaseURL",
  pyodideBaseURL: "pyodideBaseURL",
  lockFileURL: "lockFileURL",
  lock: "lockFileURL",
  packageBaseURL: "packageBaseURL",
  wheel: "projectWheelURL",
  projectWheelURL: "projectWheelURL",
});

/** A setting the page refuses (the message says which and why; the page shows it and loads nothing). */
export class ConfigError extends Error {}

/**
 * @param {string} value
 * @param {string | URL} base
 * @param {string} what  how the page names the setting in an error
 * @returns {URL}
 */
function httpURL(value, base, what) {
  let url;
  try {
    url = new URL(value, base);
  } catch {
    throw new ConfigError(`${what}: ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${what}: refused ${JSON.stringify(value)}: the page loads only http(s) URLs`);
  }
  return url;
}

/**
 * An index URL made absolute, keeping micropip's `{package_name}` template as it is (URL parsing would
 * percent-encode the braces, and micropip would then ask for that literal path).
 * @param {string} value
 * @param {string | URL} base
 * @returns {string}
 */
export function absoluteIndexURL(value, base) {
  return httpURL(value, base, "index URL").href.replaceAll("%7Bpackage_name%7D", "{package_name}");
}

/**
 * A URL from the query string, refused unless it is on an allowed origin.
 * @param {string} param
 * @param {string} value
 * @param {string} pageURL
 * @param {Set<string>} allowed
 * @returns {string}
 */
function fromQuery(param, value, pageURL, allowed) {
  const url = httpURL(value, pageURL, `?${param}=`);
  if (!allowed.has(url.origin)) {
    throw new ConfigError(
      `?${param}=${value} refused: ${url.origin} is not this page's origin; ` +
      `to load from it, list it in config.json "allowedOrigins"`,
    );
  }
  return url.href;
}

/** @param {string} url */
function directory(url) {
  return url.endsWith("/") ? url : url + "/";
}

/**
 * Read config.json next to the page (absent is fine; malformed is an error the page shows).
 * @param {string} pageURL
 * @param {typeof fetch} fetchImpl
 * @returns {Promise<{config: Record<string, unknown>, source: string | null}>}
 */
async function readConfigFile(pageURL, fetchImpl) {
  const url = new URL("config.json", pageURL);
  let response;
  try {
    response = await fetchImpl(url, { cache: "no-cache" });
  } catch {
    return { config: {}, source: null };
  }
  if (response.status === 404) return { config: {}, source: null }; // no config.json: the defaults
  if (!response.ok) throw new ConfigError(`${url.href}: HTTP ${response.status}`);
  const text = await response.text();
  let config;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${url.href} is not a valid configuration (${err instanceof Error ? err.message : err})`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(`${url.href} is not a valid configuration (not a JSON object)`);
  }
  return { config, source: url.href };
}

/**
 * @param {unknown} value
 * @param {string} key
 * @returns {string[]}
 */
function stringList(value, key) {
  if (value == null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) {
    throw new ConfigError(`config.json: "${key}" must be a list of URLs`);
  }
  return list.filter(Boolean);
}

/**
 * @param {unknown} value
 * @param {string} key
 * @returns {string | null}
 */
function optionalString(value, key) {
  if (value == null || value === "") return null;
  if (typeof value !== "string") throw new ConfigError(`config.json: "${key}" must be a URL`);
  return value;
}

/**
 * The effective configuration for a page at `pageURL`; all URLs absolute.
 * @param {string} pageURL
 * @param {typeof fetch} [fetchImpl]
 * @returns {Promise<PageConfig>}
 */
export async function resolveConfig(pageURL, fetchImpl = fetch) {
  const { config: fromFile, source } = await readConfigFile(pageURL, fetchImpl);
  const file = { ...DEFAULTS, ...fromFile };
  const base = source ?? pageURL;
  const page = new URL(pageURL);
  const allowed = new Set([page.origin]);
  for (const origin of stringList(file.allowedOrigins, "allowedOrigins")) {
    allowed.add(httpURL(origin, base, 'config.json "allowedOrigins"').origin);
  }

  /** @type {Record<string, string | null>} */
  const urls = {};
  for (const key of new Set(Object.values(QUERY_KEYS))) {
    const value = optionalString(file[key], key);
    urls[key] = value == null ? null : httpURL(value, base, `config.json "${key}"`).href;
  }
  let indexURLs = stringList(file.indexURLs, "indexURLs").map((u) => {
    httpURL(u, base, 'config.json "indexURLs"'); // refused with the setting's name, if it is not http(s)
    return absoluteIndexURL(u, base);
  });
  for (const [param, key] of Object.entries(QUERY_KEYS)) {
    const value = page.searchParams.get(param);
    if (value) urls[key] = fromQuery(param, value, pageURL, allowed);
  }
  if (page.searchParams.has("index")) {
    indexURLs = page.searchParams.getAll("index").filter(Boolean)
      .map((u) => absoluteIndexURL(fromQuery("index", u, pageURL, allowed), pageURL));
  }
  const pyodideBaseURL = directory(urls.pyodideBaseURL ?? new URL(DEFAULTS.pyodideBaseURL, pageURL).href);
  return {
    pyodideBaseURL,
    indexURLs,
    lockFileURL: urls.lockFileURL,
    packageBaseURL: directory(urls.packageBaseURL ?? pyodideBaseURL),
    projectWheelURL: urls.projectWheelURL,
    gluePath: new URL(typeof file.gluePath === "string" ? file.gluePath : DEFAULTS.gluePath, pageURL).href,
    vizURL: fromFile.vizURL == null
      ? new URL(DEFAULTS.vizURL, pageURL).href
      : httpURL(optionalString(fromFile.vizURL, "vizURL") ?? DEFAULTS.vizURL, base, 'config.json "vizURL"').href,
    configFile: source,
    allowedOrigins: [...allowed],
  };
}
