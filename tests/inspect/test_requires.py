"""Requires-Dist evaluated for the host or for Pyodide 314, with extras propagated; problems listed, not raised."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.installed import Environment, Requirement, inspect
from tests.inspect.installs import uv_install
from tests.support.wheels import build_wheel


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("requires")
    wheels = tmp / "wheels"
    specs: dict[str, tuple[str, list[str]]] = {
        "app": (
            "1.0",
            [
                "lib>=2",
                "mid[Fancy_Extra]",
                "web-only; sys_platform == 'emscripten'",
                "host-only; sys_platform != 'emscripten'",
                "never; extra == 'unrequested'",
            ],
        ),
        "lib": ("1.5", []),
        "asker": ("1.0", ["lib[speed,nope]"]),
        "mid": ("3.0", ["deep>=1; extra == 'fancy-extra'", "gadget[turbo]; extra == 'fancy_extra'"]),
        "gadget": ("1.0", ["turbo-core==2.*; extra == 'turbo'", "other; extra == 'not-asked'"]),
        "turbo-core": ("2.1", []),
        "web-only": ("1.0", []),
        "host-only": ("1.0", []),
    }
    provides = {"gadget": ["turbo", "not-asked"], "lib": ["speed"]}
    built = [
        build_wheel(
            wheels,
            name,
            version,
            {f"{name.replace('-', '_')}.py": ""},
            metadata={"Requires-Dist": reqs, "Provides-Extra": provides.get(name, [])},
        )
        for name, (version, reqs) in specs.items()
    ]
    target = tmp / "site"
    uv_install(target, *map(str, built))
    return target


def _req(env: Environment, dist: str, name: str) -> Requirement:
    d = env.get(dist)
    assert d is not None
    return next(r for r in d.requires if r.name == name)


def test_host_target(site: Path) -> None:
    env = inspect([site], target="host")
    assert _req(env, "app", "host-only").marker_result is True
    assert _req(env, "app", "host-only").satisfied is True
    assert _req(env, "app", "web-only").marker_result is False
    assert _req(env, "app", "web-only").satisfied is None


def test_pyodide_target(site: Path) -> None:
    env = inspect([site], target="pyodide")
    assert _req(env, "app", "web-only").marker_result is True
    assert _req(env, "app", "host-only").marker_result is False


def test_conflict_and_missing_are_listed(site: Path) -> None:
    env = inspect([site])
    lib = _req(env, "app", "lib")
    assert (lib.installed_version, lib.satisfied, lib.specifier) == ("1.5", False, ">=2")
    deep = _req(env, "mid", "deep")
    assert (deep.marker_result, deep.extra, deep.installed_version, deep.satisfied) == (
        True,
        "fancy-extra",
        None,
        False,
    )
    codes = [(p.code, p.message) for p in env.problems]
    assert ("requirement-conflict", "app 1.0 requires lib>=2, but lib 1.5 is installed") in codes
    assert any(c == "requirement-missing" and "deep>=1" in m for c, m in codes)
    assert not any("never" in m or "other" in m for _, m in codes)


def test_extras_propagate_transitively(site: Path) -> None:
    env = inspect([site])
    mid, gadget = env.get("mid"), env.get("gadget")
    assert mid is not None and gadget is not None
    assert mid.requested_extras == {"fancy-extra"}
    assert gadget.requested_extras == {"turbo"}  # asked for by mid's fancy-extra requirement
    turbo = _req(env, "gadget", "turbo-core")
    assert (turbo.marker_result, turbo.extra, turbo.satisfied) == (True, "turbo", True)
    assert _req(env, "gadget", "other").marker_result is False
    assert _req(env, "app", "never").marker_result is False


def test_extra_that_does_not_exist_is_reported(site: Path) -> None:
    env = inspect([site])
    asker = env.get("asker")
    assert asker is not None
    unknown = [p.message for p in asker.problems if p.code == "requirement-extra-unknown"]
    assert unknown == ["asker 1.0 asks lib 1.5 for extra 'nope', which it does not provide"]
    mid, lib = env.get("mid"), env.get("lib")
    assert mid is not None and not [p for p in mid.problems if p.code == "requirement-extra-unknown"]
    assert lib is not None and lib.requested_extras == {"speed", "nope"}  # requested, even if undefined


def test_json_shape(site: Path) -> None:
    item = next(d for d in inspect([site]).to_json()["distributions"] if d["name"] == "app")
    assert {
        "name",
        "version",
        "installer",
        "path",
        "source",
        "imports",
        "namespaces",
        "files",
        "requires",
        "problems",
    } <= set(item)
    assert {"kind", "url", "index", "sha256"} <= set(item["source"])
    req = next(r for r in item["requires"] if r["name"] == "lib")
    assert {"marker", "marker_result", "installed_version", "satisfied", "extra"} <= set(req)
    assert all(set(p) == {"code", "message"} for p in item["problems"])


def test_unknown_target_is_refused(site: Path) -> None:
    with pytest.raises(ValueError, match="target"):
        inspect([site], target="windows")  # type: ignore[arg-type]
