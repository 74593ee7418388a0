"""Distributions -> shards: one distribution's modules read statically, or loaded from the shard cache.

A :class:`ShardRef` is what is known about a distribution before its shard is read (name, version, module
names): the catalog of an environment is a list of them, cheap to build when the cache is warm (RECORD is
hashed, a small ``.meta`` file read), so ``which NAME`` loads only the shards its answer passes through.
Cold, each distribution is extracted, written to the cache and, when a cache is in use, dropped from memory
(it is read back on demand): peak memory follows the largest distribution, not the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.installed.model import Distribution, FileKind, InstalledFile
from indexer.installed.safe_io import RECORD_LIMIT, TooLarge, read_limited
from indexer.symbols.cache import ShardCache, shard_key
from indexer.symbols.extract import ModuleInfo, extract_module, opaque_module
from indexer.symbols.gc_pause import paused
from indexer.symbols.target import Target

SOURCE_LIMIT = 16 * 1024 * 1024  # the largest real module seen is ~5 MB (generated tables); above: a problem


@dataclass
class Shard:
    """Everything extracted from one distribution; what the cache stores."""

    name: str
    canonical_name: str
    version: str
    modules: dict[str, ModuleInfo] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cached: bool = False
    # PEP 561 stub-only package (`foo-stubs/`): module -> its stub, for the distribution that has the module
    stub_modules: dict[str, ModuleInfo] = field(default_factory=dict)
    stubs_from: dict[str, ShardRef] | None = None  # the stub-only packages attached to its modules (not stored)

    def to_json(self) -> dict[str, Any]:
        data = {
            "name": self.name,
            "canonical_name": self.canonical_name,
            "version": self.version,
            "modules": {name: info.to_json() for name, info in self.modules.items()},
            "problems": self.problems,
        }
        if self.stub_modules:
            data["stub_modules"] = {name: info.to_json() for name, info in self.stub_modules.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Shard:
        return cls(
            name=data["name"],
            canonical_name=data["canonical_name"],
            version=data["version"],
            modules={n: ModuleInfo.from_json(n, m) for n, m in data["modules"].items()},
            problems=list(data.get("problems", [])),
            cached=True,
            stub_modules={n: ModuleInfo.from_json(n, m) for n, m in data.get("stub_modules", {}).items()},
        )


def _is_package(f: InstalledFile) -> bool:
    stem = f.path.rsplit("/", 1)[-1].split(".", 1)[0]
    return stem == "__init__"


def extract_distribution(dist: Distribution, target: Target) -> Shard:
    """Read every module of ``dist``: source first, a stub for an extension module, else opaque."""
    # inspect's own findings (metadata, RECORD) are reported by `indexer inspect`; these are about code
    shard = Shard(dist.name, dist.canonical_name, dist.version)
    by_module: dict[str, dict[FileKind, InstalledFile]] = {}
    for f in dist.files:
        if f.module and f.kind in (FileKind.SOURCE, FileKind.STUB, FileKind.EXTENSION, FileKind.BYTECODE):
            by_module.setdefault(f.module, {}).setdefault(f.kind, f)
        elif f.kind is FileKind.STUB and f.location is not None:
            stubbed = stub_package_module(f.path)
            info = _read_stub(stubbed, f, target) if stubbed is not None else None
            if stubbed is not None and info is not None:
                shard.stub_modules[stubbed] = info
    for module in _importable(by_module):
        files = by_module[module]
        chosen = files.get(FileKind.SOURCE) or files.get(FileKind.STUB)
        if chosen is None:
            opaque = files.get(FileKind.EXTENSION) or files[FileKind.BYTECODE]
            shard.modules[module] = opaque_module(module, opaque.path, is_package=_is_package(opaque))
            continue
        if chosen.location is None:
            shard.problems.append(f"{dist.name}: {chosen.path}: path not followed (outside the site directory)")
            continue
        try:
            source = read_limited(chosen.location, SOURCE_LIMIT)
        except TooLarge as exc:
            shard.problems.append(f"{dist.name}: {chosen.path}: not read: {exc}")
            continue
        except OSError as exc:
            shard.problems.append(f"{dist.name}: cannot read {chosen.path}: {exc.strerror or exc}")
            continue
        if source is None:
            shard.problems.append(f"{dist.name}: {chosen.path}: listed in RECORD but not a regular file")
            continue
        info = extract_module(
            module,
            chosen.path,
            source,
            target,
            is_package=_is_package(chosen),
            stub=chosen.kind is FileKind.STUB,
            location=chosen.location,
        )
        shard.problems.extend(f"{dist.name}: {module}: {p}" for p in info.problems)
        stub = files.get(FileKind.STUB)
        if stub is not None and chosen is not stub and info.partly_hidden and stub.location is not None:
            info.stub = _read_stub(module, stub, target)
        shard.modules[module] = info
    return shard


def stub_package_module(path: str) -> str | None:
    """``foo-stubs/sub/__init__.pyi`` -> ``foo.sub``: the module a PEP 561 stub-only package describes."""
    parts = path.split("/")
    if len(parts) < 2 or not parts[0].endswith("-stubs") or not parts[-1].endswith(".pyi"):
        return None
    stem = parts[-1][: -len(".pyi")]
    dotted = [parts[0][: -len("-stubs")], *parts[1:-1], *([] if stem == "__init__" else [stem])]
    return ".".join(dotted) if all(p.isidentifier() for p in dotted) else None


def _importable(by_module: dict[str, dict[FileKind, InstalledFile]]) -> list[str]:
    """The modules in sorted order, without stub-only ones below a folder that is no package.

    A ``.pyi`` with no runtime file describes a module only where its package exists: jedi and mypy ship whole
    typeshed trees as data (``jedi/third_party/typeshed/stubs/...``, 4,500 modules nothing can import) under a
    folder without ``__init__``. Such a stub, and everything below it, is skipped; a stub whose parent package is
    indexed (``pkg/_ext.pyi`` beside ``pkg/__init__.py``) or a top-level one is kept.
    """
    kept: list[str] = []
    seen: set[str] = set()
    for module in sorted(by_module):
        parent = module.rpartition(".")[0]
        stub_only = by_module[module].keys() == {FileKind.STUB}
        if stub_only and parent and parent not in seen:
            continue
        seen.add(module)
        kept.append(module)
    return kept


def _read_stub(module: str, stub: InstalledFile, target: Target) -> ModuleInfo | None:
    """The .pyi beside a module whose runtime names are partly hidden (PEP 484/561 stubs describe them)."""
    assert stub.location is not None
    try:
        source = read_limited(stub.location, SOURCE_LIMIT)
    except (OSError, TooLarge):
        return None
    if source is None:
        return None
    info = extract_module(module, stub.path, source, target, is_package=_is_package(stub), stub=True)
    return None if info.problems else info


# -- discovery: inspect's scanner, with shards looked up before reading a distribution at all ---------


def _dist_dirs(paths: Sequence[Path] | None) -> list[tuple[Path, Path]]:
    from indexer.installed import scan

    sites = list(paths) if paths else scan.default_site_dirs()
    found: list[tuple[Path, Path]] = []
    for site in sites:
        try:
            found.extend((site, d) for d in scan.find_dist_dirs(site))
        except OSError:
            continue
    return found


@dataclass
class ShardRef:
    """One distribution of the catalog: its names, and its shard (in memory, or read from the cache on
    first use and then kept)."""

    name: str
    canonical_name: str
    version: str
    modules: list[str]
    cached: bool = False  # the shard came from the cache (RECORD unchanged)
    stored: bool = False  # the shard is in the cache (so it may be dropped from memory)
    key: str | None = None
    cache: ShardCache | None = None
    site: Path | None = None
    dist_dir: Path | None = None
    target: Target | None = None
    shard: Shard | None = None
    problems: list[str] = field(default_factory=list)
    stub_modules: list[str] = field(default_factory=list)  # what its stub-only packages describe (PEP 561)
    stub_sources: dict[str, ShardRef] = field(default_factory=dict)  # its module -> stub-only package's dist

    def load(self) -> Shard:
        if self.shard is None:
            with paused():
                data = self.cache.load(self.key) if self.cache is not None and self.key is not None else None
                if data is not None:
                    self.shard = Shard.from_json(data)
                else:  # the cache lost it since the catalog was made: read the distribution again
                    assert self.site is not None and self.dist_dir is not None and self.target is not None
                    self.shard = _extract(self.site, self.dist_dir, self.target)
        if self.stub_sources and self.shard.stubs_from is not self.stub_sources:
            # PEP 561: a stub-only package is what type checkers read first for its package; it becomes
            # the modules' stub (consulted where the source cannot see: compiled modules, computed names)
            self.shard.stubs_from = self.stub_sources
            for module, source in self.stub_sources.items():
                info = self.shard.modules.get(module)
                stub = source.load().stub_modules.get(module)
                if info is not None and stub is not None:
                    info.stub = stub
        return self.shard

    def release(self) -> None:
        """Drop the in-memory shard when it can be read back from the cache."""
        if self.cache is not None and self.key is not None and self.stored:
            self.shard = None

    def meta(self) -> dict[str, Any]:
        """What the catalog needs without the shard: stored beside it in the cache."""
        meta = {"name": self.name, "canonical_name": self.canonical_name, "version": self.version,
                "modules": self.modules}  # fmt: skip
        if self.stub_modules:
            meta["stub_modules"] = self.stub_modules
        return meta

    @classmethod
    def of(cls, shard: Shard) -> ShardRef:
        return cls(shard.name, shard.canonical_name, shard.version, list(shard.modules), cached=shard.cached,
                   shard=shard, stub_modules=list(shard.stub_modules))  # fmt: skip


def _extract(site: Path, dist_dir: Path, target: Target) -> Shard:
    from indexer.installed import scan

    return extract_distribution(scan.read_distribution(dist_dir, site), target)


def _record_key(dist_dir: Path, target: Target) -> str | None:
    try:
        record = read_limited(dist_dir / "RECORD", RECORD_LIMIT)
    except (OSError, TooLarge):
        return None  # unreadable: read the distribution (scan reports the RECORD problem), never trust a shard
    return shard_key(record, target) if record is not None else None  # no RECORD (egg-info): always re-read


def iter_catalog(
    paths: Sequence[Path] | None,
    target: Target,
    cache: ShardCache | None = None,
    *,
    only: Iterable[str] | None = None,
) -> Iterator[ShardRef]:
    """One :class:`ShardRef` per distribution found in ``paths`` (sys.path order).

    Warm (RECORD unchanged), only the shard's small ``.meta`` is read. Cold, the distribution is extracted
    and its shard stored, then released: the catalog of a cold run holds names, not bindings. A generator,
    so a caller inside Pyodide can yield to the event loop between distributions.
    """
    from packaging.utils import canonicalize_name

    wanted = {canonicalize_name(n) for n in only} if only is not None else None
    for site, dist_dir in _dist_dirs(paths):
        if wanted is not None:
            dir_name = dist_dir.name.rsplit(".", 1)[0].partition("-")[0]
            if canonicalize_name(dir_name) not in wanted:
                continue
        key = _record_key(dist_dir, target) if cache is not None else None
        meta = cache.load_meta(key) if cache is not None and key is not None else None
        common: dict[str, Any] = {"key": key, "cache": cache, "site": site, "dist_dir": dist_dir, "target": target}
        if meta is not None:
            stubs = meta.get("stub_modules")
            yield ShardRef(meta["name"], meta["canonical_name"], meta["version"], meta["modules"], cached=True,
                           stored=True, stub_modules=list(stubs) if isinstance(stubs, list) else [],
                           **common)  # fmt: skip
            continue
        with paused():
            shard = _extract(site, dist_dir, target)
            ref = ShardRef(shard.name, shard.canonical_name, shard.version, list(shard.modules), shard=shard,
                           stub_modules=list(shard.stub_modules), **common)  # fmt: skip
            if cache is not None and key is not None:
                ref.stored = cache.store(key, shard.to_json(), ref.meta())
            ref.release()
            del shard
        yield ref


def iter_shards(
    paths: Sequence[Path] | None,
    target: Target,
    cache: ShardCache | None = None,
    *,
    only: Iterable[str] | None = None,
) -> Iterator[Shard]:
    """Every distribution's shard, in catalog order (all of them in memory: for small environments)."""
    for ref in iter_catalog(paths, target, cache, only=only):
        shard = ref.load()
        shard.cached = ref.cached
        yield shard


def load_shards(
    paths: Sequence[Path] | None,
    target: Target,
    cache: ShardCache | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    only: Iterable[str] | None = None,
) -> list[Shard]:
    """All shards of :func:`iter_shards`; ``progress(name)`` after each distribution."""
    shards: list[Shard] = []
    for shard in iter_shards(paths, target, cache, only=only):
        shards.append(shard)
        if progress is not None:
            progress(shard.name)
    return shards
