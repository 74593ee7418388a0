// Driver for tests/support/pyodide_node.py: one real Pyodide runtime in this Node process.
//
// Protocol: one JSON request per line on stdin, one JSON response per line on stdout, prefixed with MARK so that
// nothing else Pyodide or Emscripten might print can be mistaken for a response. console.log/info/warn go to
// stderr; Python's stdout/stderr are captured per request and returned with the response.
//   request:  {"id": N, "op": "boot"|"run"|"write_file"|"read_file"|"unpack_archive"|"load_package"|"run_js", ...}
//   response: {"id": N, "ok": true, "value": ..., "stdout": "...", "stderr": "..."}
//          or {"id": N, "ok": false, "error": {"kind": "python"|"js", "type", "message", "traceback"}, ...}
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import path from "node:path";

const MARK = "@@pyodide-node@@ ";
const log = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");
console.log = console.info = console.warn = console.debug = log;

let pyodide = null;
let out = [];
let err = [];

// Python-side helper: run code in a namespace, hand back JSON text or a structured Python error.
const HELPER = `
def _harness_setup():
    import json, traceback
    from pyodide.code import eval_code, eval_code_async

    def fail(exc):
        return json.dumps({"ok": False, "type": type(exc).__qualname__, "message": str(exc),
                           "traceback": "".join(traceback.format_exception(exc))})

    def ok(value):
        try:
            return json.dumps({"ok": True, "value": value})
        except (TypeError, ValueError) as exc:
            return json.dumps({"ok": False, "type": "ResultNotJSON", "traceback": "",
                               "message": f"result {value!r:.200} is not JSON-serializable: {exc}"})

    namespaces = {}

    def ns(name):
        if name is None:
            return {"__name__": "__main__"}
        return namespaces.setdefault(name, {"__name__": "__main__"})

    def run(code, name):
        try:
            value = eval_code(code, ns(name))
        except BaseException as exc:
            return fail(exc)
        return ok(value)

    async def run_async(code, name):
        try:
            value = await eval_code_async(code, ns(name))
        except BaseException as exc:
            return fail(exc)
        return ok(value)

    return run, run_async

_harness_run, _harness_run_async = _harness_setup()
del _harness_setup
`;

function bytesOf(b64) {
  // unpackArchive and the FS want a Uint8Array, not a Node Buffer.
  return new Uint8Array(Buffer.from(b64, "base64"));
}

function pythonOutcome(text) {
  const r = JSON.parse(text);
  if (r.ok) return { ok: true, value: r.value };
  return { ok: false, error: { kind: "python", type: r.type, message: r.message, traceback: r.traceback } };
}

const ops = {
  async boot(req) {
    const dist = path.resolve(req.dist_dir) + path.sep;
    const { loadPyodide } = await import(pathToFileURL(path.join(dist, "pyodide.mjs")).href);
    const options = {
      indexURL: dist,
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
      ...req.options,
    };
    if (req.lock_file_contents !== undefined) options.lockFileContents = req.lock_file_contents;
    const started = performance.now();
    pyodide = await loadPyodide(options);
    pyodide.runPython(HELPER);
    return { ok: true, value: { version: pyodide.version, boot_ms: performance.now() - started } };
  },
  async run(req) {
    const fn = pyodide.globals.get(req.async ? "_harness_run_async" : "_harness_run");
    try {
      const text = req.async ? await fn(req.code, req.namespace ?? null) : fn(req.code, req.namespace ?? null);
      return pythonOutcome(text);
    } finally {
      fn.destroy();
    }
  },
  async write_file(req) {
    const dir = path.posix.dirname(req.path);
    pyodide.FS.mkdirTree(dir);
    pyodide.FS.writeFile(req.path, bytesOf(req.data));
    return { ok: true, value: null };
  },
  async read_file(req) {
    const data = pyodide.FS.readFile(req.path);
    return { ok: true, value: Buffer.from(data).toString("base64") };
  },
  async unpack_archive(req) {
    const opts = req.extract_dir ? { extractDir: req.extract_dir } : {};
    pyodide.unpackArchive(bytesOf(req.data), req.format, opts);
    return { ok: true, value: null };
  },
  async load_package(req) {
    // loadPackage reports failures through errorCallback, not by throwing: collect them and hand them back.
    const errors = [];
    const messages = [];
    // An unknown name throws instead; report both kinds the same way.
    let loaded = [];
    try {
      loaded = await pyodide.loadPackage(req.names, {
        messageCallback: (m) => messages.push(m),
        errorCallback: (m) => errors.push(m),
        checkIntegrity: req.check_integrity ?? true,
      });
    } catch (e) {
      errors.push(String(e?.message ?? e));
    }
    return { ok: true, value: { loaded: loaded.map((p) => p.name), errors, messages } };
  },
  async run_js(req) {
    // The body of an async function with `pyodide` in scope; its return value must be JSON-serializable.
    const fn = new Function("pyodide", `return (async () => { ${req.code} })();`);
    return { ok: true, value: (await fn(pyodide)) ?? null };
  },
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let req = { id: null };
  let res;
  out = [];
  err = [];
  try {
    req = JSON.parse(line);
    if (req.op !== "boot" && pyodide === null) throw new Error("runtime not booted");
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${req.op}`);
    res = await op(req);
  } catch (e) {
    // A Python exception that escapes to JS arrives as a PythonError whose message is the traceback.
    const isPy = e && e.constructor && e.constructor.name === "PythonError";
    res = {
      ok: false,
      error: {
        kind: isPy ? "python" : "js",
        type: isPy ? e.type : e?.constructor?.name ?? "Error",
        message: isPy ? String(e.message).trim().split("\n").pop() : String(e?.message ?? e),
        traceback: isPy ? e.message : String(e?.stack ?? ""),
      },
    };
  }
  process.stdout.write(MARK + JSON.stringify({ id: req.id, ...res, stdout: out.join("\n"), stderr: err.join("\n") }) + "\n");
}
