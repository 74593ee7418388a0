"""Read native binaries just far enough to tell an extension module from a shared library.

A real extension module exports ``PyInit_<name>`` (PEP 489 / the C API's module init protocol). We read
symbol tables without loading or running anything:

- WebAssembly side modules (Emscripten/Pyodide): a ``dylink.0`` custom section and the export section
  (WebAssembly core spec, binary format; Emscripten's dynamic linking convention).
- ELF: the ``.dynsym`` table (falling back to ``.symtab``).
- PE (``.pyd``): the export directory.

Reads are bounded: sections are skipped by seeking, and tables larger than a cap are not read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

BinaryFormat = Literal["wasm", "elf", "pe", "macho", "unknown"]

_TABLE_LIMIT = 32 * 1024 * 1024  # never read a symbol/string table bigger than this
_INIT = "PyInit_"


@dataclass
class BinaryInfo:
    format: BinaryFormat
    init_names: set[str] = field(default_factory=set)  # <name> of every exported PyInit_<name>
    readable: bool = True  # False: the format is known but the tables could not be read
    side_module: bool = False  # wasm: carries a dylink.0 (or legacy "dylink") section


def read_binary(path: Path) -> BinaryInfo:
    """Identify ``path``'s format and its exported ``PyInit_`` names. Never raises for bad content."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
            f.seek(0)
            if magic == b"\x00asm":
                return _wasm(f)
            if magic == b"\x7fELF":
                return _elf(f)
            if magic[:2] == b"MZ":
                return _pe(f)
            if magic in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
                return BinaryInfo("macho", readable=False)
    except OSError:
        return BinaryInfo("unknown", readable=False)
    return BinaryInfo("unknown", readable=False)


# --- WebAssembly ---------------------------------------------------------------------------------


def _leb128(f: BinaryIO) -> int:
    result = shift = 0
    while True:
        b = f.read(1)
        if not b:
            raise EOFError
        result |= (b[0] & 0x7F) << shift
        if not b[0] & 0x80:
            return result
        shift += 7
        if shift > 35:
            raise ValueError("LEB128 too long")


def _wasm_name(f: BinaryIO) -> str:
    n = _leb128(f)
    if n > 1 << 20:
        raise ValueError("name too long")
    data = f.read(n)
    if len(data) != n:
        raise EOFError
    return data.decode("utf-8", "replace")


def _wasm(f: BinaryIO) -> BinaryInfo:
    info = BinaryInfo("wasm")
    file_size = f.seek(0, 2)
    f.seek(0)
    header = f.read(8)
    if len(header) != 8 or header[4:] != b"\x01\x00\x00\x00":
        info.readable = False
        return info
    try:
        while True:
            section_id = f.read(1)
            if not section_id:
                break
            size = _leb128(f)
            start = f.tell()
            if start + size > file_size:
                raise EOFError  # truncated: a section claims more bytes than the file has
            if section_id[0] == 0:  # custom section: name, then payload
                name = _wasm_name(f)
                if name in ("dylink.0", "dylink"):
                    info.side_module = True
            elif section_id[0] == 7:  # export section: vec(name, kind, index)
                if size > _TABLE_LIMIT:
                    info.readable = False
                    break
                for _ in range(_leb128(f)):
                    name = _wasm_name(f)
                    kind = f.read(1)
                    _leb128(f)
                    if kind == b"\x00" and name.startswith(_INIT):
                        info.init_names.add(name[len(_INIT) :])
                break  # nothing after the export section matters here
            f.seek(start + size)
    except (EOFError, ValueError):
        info.readable = False
    return info


# --- ELF -----------------------------------------------------------------------------------------

_SHT_SYMTAB = 2
_SHT_DYNSYM = 11


def _elf(f: BinaryIO) -> BinaryInfo:
    info = BinaryInfo("elf")
    ident = f.read(16)
    if len(ident) < 16 or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        info.readable = False
        return info
    is64 = ident[4] == 2
    end = "<" if ident[5] == 1 else ">"
    try:
        if is64:
            f.seek(0x28)
            (shoff,) = struct.unpack(end + "Q", f.read(8))
            f.seek(0x3A)
            shentsize, shnum, _shstrndx = struct.unpack(end + "HHH", f.read(6))
            sh_fmt, sym_fmt, sym_size = end + "IIQQQQIIQQ", end + "IBBHQQ", 24
        else:
            f.seek(0x20)
            (shoff,) = struct.unpack(end + "I", f.read(4))
            f.seek(0x2E)
            shentsize, shnum, _shstrndx = struct.unpack(end + "HHH", f.read(6))
            sh_fmt, sym_fmt, sym_size = end + "IIIIIIIIII", end + "IIIBBH", 16
        if shoff == 0 or shnum == 0 or shnum > 65535 or shentsize < struct.calcsize(sh_fmt):
            info.readable = False
            return info
        sections = []
        for i in range(shnum):
            f.seek(shoff + i * shentsize)
            sections.append(struct.unpack(sh_fmt, f.read(struct.calcsize(sh_fmt))))
        # (name, type, flags, addr, offset, size, link, info, addralign, entsize)
        tables = [s for s in sections if s[1] == _SHT_DYNSYM] or [s for s in sections if s[1] == _SHT_SYMTAB]
        if not tables:
            info.readable = False
            return info
        for table in tables:
            _, _, _, _, offset, size, link, _, _, _ = table
            if link >= len(sections) or size > _TABLE_LIMIT or sections[link][5] > _TABLE_LIMIT:
                info.readable = False
                continue
            f.seek(sections[link][4])
            strtab = f.read(sections[link][5])
            f.seek(offset)
            data = f.read(size)
            for pos in range(0, len(data) - sym_size + 1, sym_size):
                fields = struct.unpack(sym_fmt, data[pos : pos + sym_size])
                if is64:
                    st_name, st_info, _other, st_shndx = fields[0], fields[1], fields[2], fields[3]
                else:
                    st_name, st_info, st_shndx = fields[0], fields[3], fields[5]
                bind, sym_type = st_info >> 4, st_info & 0xF
                # defined (shndx != UNDEF), global or weak, a function
                if st_shndx == 0 or bind not in (1, 2) or sym_type != 2:
                    continue
                name_end = strtab.find(b"\x00", st_name)
                name = strtab[st_name : name_end if name_end >= 0 else None]
                if name.startswith(b"PyInit_"):
                    info.init_names.add(name[7:].decode("ascii", "replace"))
    except (struct.error, OSError, ValueError):
        info.readable = False
    return info


# --- PE ------------------------------------------------------------------------------------------


def _pe(f: BinaryIO) -> BinaryInfo:
    info = BinaryInfo("pe")
    try:
        f.seek(0x3C)
        (pe_off,) = struct.unpack("<I", f.read(4))
        f.seek(pe_off)
        if f.read(4) != b"PE\x00\x00":
            info.readable = False
            return info
        _machine, nsections, _, _, _, opt_size, _ = struct.unpack("<HHIIIHH", f.read(20))
        opt_start = f.tell()
        (magic,) = struct.unpack("<H", f.read(2))
        dd_offset = {0x10B: 96, 0x20B: 112}.get(magic)
        if dd_offset is None:
            info.readable = False
            return info
        f.seek(opt_start + dd_offset)
        export_rva, _export_size = struct.unpack("<II", f.read(8))
        f.seek(opt_start + opt_size)
        sections = [struct.unpack("<8sIIII", f.read(40)[:24]) for _ in range(nsections)]

        def to_offset(rva: int) -> int:
            for _name, vsize, vaddr, rawsize, rawptr in sections:
                if vaddr <= rva < vaddr + max(vsize, rawsize):
                    return rva - vaddr + rawptr
            raise ValueError("RVA outside every section")

        if export_rva == 0:
            return info  # no exports at all: not an extension module
        # IMAGE_EXPORT_DIRECTORY: NumberOfFunctions at +20, NumberOfNames, AddressOfFunctions, AddressOfNames
        f.seek(to_offset(export_rva) + 20)
        _n_funcs, n_names, _funcs_rva, names_rva = struct.unpack("<IIII", f.read(16))
        if n_names > 1 << 20:
            raise ValueError("too many exports")
        f.seek(to_offset(names_rva))
        name_rvas = struct.unpack(f"<{n_names}I", f.read(4 * n_names))
        for rva in name_rvas:
            f.seek(to_offset(rva))
            raw = f.read(256).split(b"\x00", 1)[0]
            if raw.startswith(b"PyInit_"):
                info.init_names.add(raw[7:].decode("ascii", "replace"))
    except (struct.error, OSError, ValueError):
        info.readable = False
    return info
