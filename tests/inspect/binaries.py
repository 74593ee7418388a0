"""Real native binaries for tests: a hand-assembled WebAssembly side module and gcc-built ELF objects.

The wasm bytes follow the WebAssembly core binary format and Emscripten's ``dylink.0`` convention;
``node`` validates them in a test, so they are real modules, not look-alikes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def leb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _name(s: str) -> bytes:
    raw = s.encode()
    return leb128(len(raw)) + raw


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + leb128(len(payload)) + payload


def wasm_module(exports: list[str], *, side_module: bool = True) -> bytes:
    """A valid wasm module exporting one ``() -> i32`` function under each name in ``exports``."""
    parts = [b"\x00asm", b"\x01\x00\x00\x00"]
    if side_module:
        # dylink.0: subsection WASM_DYLINK_MEM_INFO (1): memory size, alignment, table size, alignment.
        mem_info = leb128(0) + leb128(0) + leb128(0) + leb128(0)
        parts.append(_section(0, _name("dylink.0") + b"\x01" + leb128(len(mem_info)) + mem_info))
    parts.append(_section(1, b"\x01\x60\x00\x01\x7f"))  # type section: one type () -> i32
    parts.append(_section(3, b"\x01\x00"))  # function section: one function of type 0
    export_entries = b"".join(_name(e) + b"\x00" + leb128(0) for e in exports)
    parts.append(_section(7, leb128(len(exports)) + export_entries))
    body = b"\x00\x41\x00\x0b"  # no locals; i32.const 0; end
    parts.append(_section(10, b"\x01" + leb128(len(body)) + body))
    return b"".join(parts)


def have_gcc() -> bool:
    return shutil.which("gcc") is not None


def elf_shared_object(tmp: Path, name: str, c_source: str) -> bytes:
    """Compile ``c_source`` into a shared object with gcc and return its bytes."""
    src = tmp / f"{name}.c"
    out = tmp / f"{name}.so"
    src.write_text(c_source)
    subprocess.run(["gcc", "-shared", "-fPIC", "-O0", "-o", str(out), str(src)], check=True, capture_output=True)
    return out.read_bytes()
