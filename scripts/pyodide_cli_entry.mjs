// Node entry point of a pyodide venv's `python` (installed as dist/python_cli_entry.mjs by make_pyodide_venv.sh).
// Runs Pyodide as a command-line CPython: argv, exit status, stdio and the host file system behave as on a host
// python. Usage: node python_cli_entry.mjs --this-program=/abs/venv/bin/python [python args...]
import { readdirSync, writeSync } from "node:fs";
import { loadPyodide } from "./pyodide.mjs";

const FLAG = "--this-program=";
const at = process.argv.findIndex((arg) => arg.startsWith(FLAG));
if (at < 0) {
  console.error("python_cli_entry.mjs: missing --this-program=PATH");
  process.exit(2);
}
const executable = process.argv[at].slice(FLAG.length);
const args = process.argv.slice(at + 1);

// Host directories appear at the same paths inside Pyodide; /lib stays Pyodide's own (stdlib zip, lib-dynload).
function mountHost(FS) {
  for (const name of readdirSync("/")) {
    if (["dev", "lib", "proc"].includes(name)) continue;
    FS.mkdirTree("/" + name);
    FS.mount(FS.filesystems.NODEFS, { root: "/" + name }, "/" + name);
  }
}

// Raw byte writes to the process's fd: Pyodide's default stdout splits long lines (a lock on stdout would break).
function rawWriter(fd) {
  return {
    write(buf) {
      let done = 0;
      while (done < buf.length) {
        try {
          done += writeSync(fd, buf, done);
        } catch (e) {
          if (e.code !== "EAGAIN") throw e; // a non-blocking pipe that is full: try again
        }
      }
      return buf.length;
    },
  };
}

const SETUP = `
import asyncio, os, shutil
from pyodide._package_loader import SITE_PACKAGES, should_load_dynlib
from pyodide.ffi import to_js

dynlibs = to_js([str(p) for p in SITE_PACKAGES.glob("**/*.so*") if should_load_dynlib(p)])

# Exit when main has returned and no asyncio work is in progress (or on SystemExit / Ctrl-C).
loop = asyncio.get_event_loop()
loop._in_progress += 1
loop._no_in_progress_handler = finish
loop._system_exit_handler = finish
loop._keyboard_interrupt_handler = lambda: finish(130)

def _terminal_size(fallback=(80, 24)):
    from js import process
    return os.terminal_size((getattr(process.stdout, "columns", None) or fallback[0],
                             getattr(process.stdout, "rows", None) or fallback[1]))
shutil.get_terminal_size = _terminal_size
`;

async function main() {
  let py;
  try {
    py = await loadPyodide({
      args,
      _sysExecutable: executable,
      // loadPyodide turns on inspect mode by default (its REPL), which makes SystemExit print instead of exit.
      env: { PYTHONINSPECT: "", ...process.env, PYTHONEXECUTABLE: executable, HOME: process.cwd() },
      fullStdLib: false,
      fsInit: mountHost,
    });
  } catch (e) {
    if (e?.constructor?.name === "ExitStatus") process.exit(e.status); // --help, --version, bad arguments
    throw e;
  }
  py.setStdout(rawWriter(1));
  py.setStderr(rawWriter(2));
  const scope = py.runPython("{}");
  scope.set("finish", (code) => {
    let status = code ?? 0;
    if (py._module._Py_FinalizeEx() < 0) status = 120;
    process.exit(status); // at once: pending tasks must not run on a finalized interpreter
  });
  py.runPython(SETUP, { globals: scope });
  for (const lib of scope.get("dynlibs")) {
    try {
      await py._module.API.loadDynlib(lib);
    } catch (e) {
      console.error(`python: cannot load shared library ${lib}: ${e}`);
    }
  }
  let status;
  try {
    status = py._module.jspiSupported ? await py._module.promisingRunMain() : py._module._run_main();
  } catch (e) {
    if (e?.constructor?.name === "ExitStatus") process.exit(e.status);
    py._api.fatal_error(e);
  }
  if (status) process.exit(status);
  py.runPython("loop._decrement_in_progress()", { globals: scope });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
