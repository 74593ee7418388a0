"""Import names seen from every sys.path entry: a dist's own ``.pth`` path lines, read statically, never run.

pywin32 ships ``pywin32.pth`` listing ``win32``, ``win32\\lib`` and ``pythonwin``: Python then imports
``win32api``, not ``win32.win32api``. And a folder that holds only ``__pycache__`` leftovers imports nothing.
"""

from __future__ import annotations

from pathlib import Path

from indexer.installed import inspect
from indexer.installed.editable import pth_path_lines
from indexer.installed.imports import files_from_paths, infer_imports_with, relative_path_entries
from tests.inspect.installs import uv_install
from tests.support.wheels import build_wheel


def _site(tmp_path: Path, name: str, files: dict[str, bytes | str]) -> Path:
    wheel = build_wheel(tmp_path / "wheels", name, "1.0", files)
    site = tmp_path / "site"
    uv_install(site, str(wheel))
    return site


def test_pywin32_style_path_entries_make_their_modules_top_level(tmp_path: Path) -> None:
    marker = tmp_path / "bootstrap-ran"
    files: dict[str, bytes | str] = {
        "pywin32.pth": "# .pth file for the extensions\nwin32\nwin32\\lib\npythonwin\n\nimport pywin32_bootstrap\n",
        "win32/win32timezone.py": "",
        "win32/lib/win32con.py": "",
        "win32/lib/pywin32_bootstrap.py": f"open({str(marker)!r}, 'w').close()\n",
        "win32/Demos/service_demo.py": "",  # a PEP 420 folder inside a path entry: a namespace seen from there
        "pythonwin/pywin/__init__.py": "",
        "pythonwin/pywin/framework/__init__.py": "",
        "pythoncom.py": "",
        "win32com/__init__.py": "",
    }
    site = _site(tmp_path, "pywin32", files)
    (dist,) = inspect([site]).distributions
    assert dist.imports == [
        "Demos.service_demo",
        "pythoncom",
        "pywin",
        "pywin32_bootstrap",
        "win32com",
        "win32con",
        "win32timezone",
    ]
    assert dist.namespaces == ["Demos"]
    assert not marker.exists()  # the .pth's import line was read, never run


def test_path_entry_that_is_a_package_keeps_its_own_name(tmp_path: Path) -> None:
    site = _site(tmp_path, "vendored", {"vendored.pth": "vendor\n", "vendor/__init__.py": "", "vendor/six.py": ""})
    (dist,) = inspect([site]).distributions
    assert (dist.imports, dist.namespaces) == (["six", "vendor"], [])


def test_path_lines_leaving_the_site_dir_or_naming_it_change_nothing(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "intruder").mkdir(parents=True)
    (outside / "intruder" / "__init__.py").write_text("")
    pth = f"../elsewhere\n{outside}\n.\n/\n\0bad\nimport os\n#pkg\n"
    site = _site(tmp_path, "odd-pth", {"odd_pth.pth": pth, "pkg/__init__.py": "", "pkg/mod.py": ""})
    (dist,) = inspect([site]).distributions
    assert (dist.imports, dist.namespaces) == (["pkg"], [])


def test_many_path_lines_are_bounded(tmp_path: Path) -> None:
    """Only the first 32 path lines are followed (``editable._PATH_ENTRY_LIMIT``), as for editable installs."""
    lines = "".join(f"d{i}\n" for i in range(40))
    files: dict[str, bytes | str] = {"many.pth": lines, **{f"d{i}/m{i}.py": "" for i in range(40)}}
    site = _site(tmp_path, "many", files)
    (dist,) = inspect([site]).distributions
    assert sorted(n for n in dist.imports if n.startswith("m")) == sorted(f"m{i}" for i in range(32))
    assert dist.namespaces == sorted(f"d{i}" for i in range(32, 40))


def test_folder_of_stale_bytecode_caches_is_no_namespace(tmp_path: Path) -> None:
    """A broken wheel's leftover ``build/__pycache__/*.pyc`` (no source beside it) makes nothing importable."""
    files: dict[str, bytes | str] = {
        "build/__pycache__/setup.cpython-311.pyc": b"\x00" * 16,
        "build/lib/__pycache__/old.cpython-311.pyc": b"\x00" * 16,
        "build/lib/README.txt": "stray",
        "real/__init__.py": "",
        "real/__pycache__/__init__.cpython-311.pyc": b"\x00" * 16,
    }
    site = _site(tmp_path, "real", files)
    (dist,) = inspect([site]).distributions
    assert (dist.imports, dist.namespaces) == (["real"], [])


def test_path_entries_apply_to_a_wheel_member_list() -> None:
    """The shared inference (crawl's path too) re-roots modules under given path entries."""
    files = files_from_paths(
        [("win32/lib/win32con.py", 10), ("win32/win32timezone.py", 10), ("pythoncom.py", 10), ("pywin32.pth", 20)]
    )
    assert infer_imports_with(files, lambda f: False) == (
        ["pythoncom", "win32.lib.win32con", "win32.win32timezone"],
        ["win32", "win32.lib"],
    )
    assert infer_imports_with(files, lambda f: False, path_entries=["win32", "win32/lib"]) == (
        ["pythoncom", "win32con", "win32timezone"],
        [],
    )


def test_pth_body_to_site_relative_entries() -> None:
    """What a crawl can do with a ``.pth`` member's bytes: the same lines, the same rules, no file system."""
    body = b"# c\nwin32\r\nwin32\\lib\n  \nimport x; y()\nC:\\Python\\Lib\n/abs\n../up\n./a/../b\n.\nnul\0x\n"
    assert pth_path_lines(body) == ["win32", "win32/lib", "C:/Python/Lib", "/abs", "../up", "./a/../b", "."]
    assert relative_path_entries(pth_path_lines(body)) == ["win32", "win32/lib", "b"]


def test_site_packages_folder_inside_the_site_dir_is_a_path_entry(tmp_path: Path) -> None:
    """cmeel's wheels (``pin`` -> ``pinocchio``) install a prefix whose site-packages a start-up hook adds."""
    prefix = "cmeel.prefix/lib/python3.11/site-packages"
    files: dict[str, bytes | str] = {
        f"{prefix}/pinocchio/__init__.py": "",
        f"{prefix}/pinocchio/utils.py": "",
        f"{prefix}/pinocchio_extra.py": "",
        "cmeel.prefix/share/doc/example.py": "",  # not under the path entry, not an identifier path: nothing
    }
    site = _site(tmp_path, "pin", files)
    (dist,) = inspect([site]).distributions
    assert (dist.imports, dist.namespaces) == (["pinocchio", "pinocchio_extra"], [])


def test_hostile_pth_files_are_bounded_and_never_followed_out(tmp_path: Path) -> None:
    """An oversized ``.pth`` is not read; a ``.pth`` replaced by a symlink out of the site dir is not followed."""
    big = "pkgs\n" + "#" * (64 * 1024 + 10) + "\n"
    files: dict[str, bytes | str] = {"big.pth": big, "out.pth": "pkgs\n", "pkgs/inner.py": "", "top.py": ""}
    site = _site(tmp_path, "hostile", files)
    outside = tmp_path / "outside.pth"
    outside.write_text("pkgs\n")
    (site / "out.pth").unlink()
    (site / "out.pth").symlink_to(outside)
    (dist,) = inspect([site]).distributions
    assert (dist.imports, dist.namespaces) == (["pkgs.inner", "top"], ["pkgs"])
