"""A notebook's ``ModuleNotFoundError`` turned into a one-line suggestion (or an install, when opted in).

``register(ipython)`` (called by ``%load_ext micropip_ext``) loads the import map in the background and
installs an IPython custom exception handler: after the usual traceback it prints e.g.
``micropip_ext: `import sklearn` is provided by scikit-learn: await micropip_ext.install("scikit-learn")``.
With ``auto_install=True`` it starts that install instead. Nothing is imported or run to find a name.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from indexer.crawl.providers import MapError, lookup
from micropip_ext._providers import choose, import_map


class _State:
    tasks: ClassVar[set[asyncio.Future[Any]]] = set()  # keep a reference until each background task is done
    mapping: dict[str, Any] | None = None
    problem: str | None = None
    auto_install: bool = False
    map_url: str | None = None


def suggestion(name: str, found: list[dict[str, Any]]) -> str:
    """The line shown under a ``ModuleNotFoundError`` for ``name``."""
    if not found:
        return f"micropip_ext: no known distribution provides `import {name}`"
    project = choose(name, found)
    if project is None:
        shown = ", ".join(str(e.get("project")) for e in found)
        return f"micropip_ext: `import {name}` is provided by several distributions: {shown}"
    return f'micropip_ext: `import {name}` is provided by {project}: await micropip_ext.install("{project}")'


async def _load() -> None:
    try:
        _State.mapping = await import_map(_State.map_url)
    except MapError as exc:
        _State.problem = str(exc)


def _handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> Any:
    structured = shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    name = getattr(value, "name", None)
    if not name:
        return structured
    if _State.mapping is None:
        why = f" ({_State.problem})" if _State.problem else " (the import map is still loading)"
        print(f"micropip_ext: `await micropip_ext.providers({name!r})` tells who provides it{why}")
        return structured
    found = lookup(_State.mapping, name)
    project = choose(name, found) if found else None
    if _State.auto_install and project is not None:
        from micropip_ext._install import install

        _keep(asyncio.ensure_future(install(project)))
        print(f"micropip_ext: installing {project} for `import {name}`; run the cell again when it is done")
    else:
        print(suggestion(name, found))
    return structured


def _keep(task: asyncio.Future[Any]) -> None:
    _State.tasks.add(task)
    task.add_done_callback(_State.tasks.discard)


def register(ipython: Any, *, auto_install: bool = False, map_url: str | None = None) -> None:
    """Hook ``ModuleNotFoundError`` in this IPython shell; start loading the import map."""
    _State.auto_install, _State.map_url = auto_install, map_url
    _State.mapping, _State.problem = None, None
    ipython.set_custom_exc((ModuleNotFoundError,), _handler)
    try:
        _keep(asyncio.ensure_future(_load()))  # Pyodide's loop (and a kernel's) accepts tasks between cells
    except RuntimeError as exc:
        _State.problem = f"no event loop to load the import map: {exc}"
