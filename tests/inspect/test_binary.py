"""The binary readers on real binaries: wasm validated by Node's WebAssembly engine, ELF built by gcc."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from indexer.installed.binary import read_binary
from tests.inspect.binaries import elf_shared_object, have_gcc, wasm_module


@pytest.mark.skipif(shutil.which("node") is None, reason="node validates the wasm modules")
def test_hand_assembled_wasm_is_a_valid_module_with_those_exports(tmp_path: Path) -> None:
    path = tmp_path / "m.wasm"
    path.write_bytes(wasm_module(["PyInit_m", "other"]))
    script = (
        "const fs=require('fs');const b=fs.readFileSync(process.argv[1]);"
        "if(!WebAssembly.validate(b)) process.exit(3);"
        "const m=new WebAssembly.Module(b);"
        "console.log(JSON.stringify({exports:WebAssembly.Module.exports(m).map(e=>e.name),"
        "custom:WebAssembly.Module.customSections(m,'dylink.0').length}));"
    )
    out = subprocess.run(["node", "-e", script, str(path)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '{"exports":["PyInit_m","other"],"custom":1}'
    info = read_binary(path)
    assert (info.format, info.side_module, info.readable, info.init_names) == ("wasm", True, True, {"m"})


def test_truncated_wasm_is_unreadable_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.so"
    path.write_bytes(wasm_module(["PyInit_t"])[:20])
    info = read_binary(path)
    assert info.format == "wasm" and not info.readable


@pytest.mark.skipif(not have_gcc(), reason="gcc builds the ELF objects")
def test_elf_exports(tmp_path: Path) -> None:
    data = elf_shared_object(
        tmp_path, "two", "void *PyInit_two(void){return 0;}\nvoid *PyInit_alias(void){return 0;}\n"
    )
    path = tmp_path / "copy.so"
    path.write_bytes(data)
    info = read_binary(path)
    assert (info.format, info.readable, info.init_names) == ("elf", True, {"two", "alias"})
    path.write_bytes(data[:64])  # header only: section table gone
    assert not read_binary(path).readable


def test_unknown_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.so"
    path.write_bytes(b"#!/bin/sh\necho not a library\n")
    assert read_binary(path).format == "unknown"
