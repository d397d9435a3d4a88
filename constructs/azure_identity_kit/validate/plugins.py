"""The real provider plugins for `make validate`, when this machine has them.

Where they come from, first found wins:
1. TF_PLUGIN_DIR: a folder shaped like the shared one below (SHA256SUMS beside
   `.xz` builds), or a Terraform plugin directory as `-plugin-dir` reads it
   (filesystem-mirror layout, unpacked or packed);
2. `../shared/terraform-plugins` beside the project root (the folder
   `make validate` runs in).
Neither: the gate keeps its offline loader mode (a user's clone has neither).

A shared-style folder is unpacked once into tools/terraform/plugins/<key>,
keyed by its SHA256SUMS, and every binary is checked against SHA256SUMS on
every run (about 0.35 s for the 500 MB), the way the pinned Terraform is.

A stack is validated with the plugins only when every provider it needs (its
`terraform.required_providers`, plus providers implied by resource types) has a
build here that meets its version constraint; otherwise it gets the loader mode
and the gate says why (the cdktn toolchain pins azurerm 5.x, the shared builds
are azurerm 4.55.0).
"""

from __future__ import annotations

import fcntl
import hashlib
import lzma
import os
import platform
import re
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import EngineError, sha256_of

PLUGIN_DIR_ENV = "TF_PLUGIN_DIR"
SHARED_PLUGINS = Path("..") / "shared" / "terraform-plugins"
CACHE_DIR = Path("tools") / "terraform" / "plugins"
SUMS = "SHA256SUMS"
DEFAULT_NAMESPACE = "hashicorp"
BUILTIN_PROVIDERS = frozenset({"terraform"})
"""Local names Terraform provides itself (terraform_remote_state, terraform_data)."""

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?$")
_CONSTRAINT = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$")
_KEY = re.compile(r"[0-9a-f]{16}")
_PACKED = re.compile(r"^terraform-provider-(?P<type>[^_]+)_(?P<version>[^_]+)_(?P<target>.+)\.zip$")

Version = tuple[int, int, int, str]


def parse_version(text: str) -> tuple[Version, int] | None:
    """(major, minor, patch, prerelease) and how many numbers were written."""
    match = _VERSION.match(text.strip())
    if not match:
        return None
    numbers = [int(part) if part else 0 for part in match.group(1, 2, 3)]
    written = sum(1 for part in match.group(1, 2, 3) if part)
    return (numbers[0], numbers[1], numbers[2], match.group(4) or ""), written


def satisfies(version: str, constraint: str | None) -> bool:
    """Terraform's version constraint syntax (`4.55.0`, `~> 4.55`, `>= 4, < 5`)."""
    parsed = parse_version(version)
    if parsed is None:
        return False
    have, _ = parsed
    for part in (constraint or "").split(","):
        if not part.strip():
            continue
        match = _CONSTRAINT.match(part)
        wanted = parse_version(match.group(2)) if match else None
        if match is None or wanted is None:
            return False
        op, (want, written) = match.group(1) or "=", wanted
        if have[3] and (op != "=" or have != want):
            return False  # a prerelease matches only when asked for exactly
        key, want_key = have[:3], want[:3]
        if op == "~>":
            upper = list(want_key[: max(written - 1, 1)])
            upper[-1] += 1
            ok = key >= want_key and key < (*upper, *([0] * (3 - len(upper))))
        else:
            ok = {
                "=": key == want_key and have[3] == want[3],
                "!=": have != want,
                ">": key > want_key,
                ">=": key >= want_key,
                "<": key < want_key,
                "<=": key <= want_key,
            }[op]
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Requirement:
    """One provider a stack needs: its local name, address and version constraint."""

    name: str
    namespace: str
    type: str
    host: str | None = None
    constraint: str | None = None

    @property
    def source(self) -> str:
        return "/".join(p for p in (self.host, self.namespace, self.type) if p)

    def __str__(self) -> str:
        return f"{self.name} {self.constraint}" if self.constraint else f"{self.name} (any version)"


def _requirement(name: str, source: str | None, constraint: str | None) -> Requirement:
    parts = (source or name).strip().lower().split("/")
    if len(parts) == 1:
        return Requirement(name, DEFAULT_NAMESPACE, parts[0], None, constraint)
    if len(parts) == 2:
        return Requirement(name, parts[0], parts[1], None, constraint)
    return Requirement(name, parts[-2], parts[-1], "/".join(parts[:-2]), constraint)


def requirements(doc: dict[str, Any]) -> list[Requirement]:
    """Every provider `terraform init` would install for this configuration: the
    `required_providers` entries plus the local names that resource and data
    types, `provider` blocks and `provider` arguments imply."""
    found: dict[str, Requirement] = {}
    terraform = doc.get("terraform") or {}
    blocks = terraform if isinstance(terraform, list) else [terraform]
    for block in blocks:
        required = (block or {}).get("required_providers") or {}
        for entry in required if isinstance(required, list) else [required]:
            for name, spec in (entry or {}).items():
                if isinstance(spec, str):  # the legacy `name = "version"` form
                    found[name] = _requirement(name, None, spec)
                else:
                    found[name] = _requirement(name, spec.get("source"), spec.get("version"))
    implied: set[str] = set(doc.get("provider") or {})
    for section in ("resource", "data"):
        for rtype, named in (doc.get(section) or {}).items():
            implied.add(rtype.split("_", 1)[0])
            for body in (named or {}).values():
                provider = body.get("provider") if isinstance(body, dict) else None
                if isinstance(provider, str) and provider:
                    implied.add(provider.split(".", 1)[0])
    for name in sorted(implied - set(found) - BUILTIN_PROVIDERS):
        found[name] = _requirement(name, None, None)
    return [found[name] for name in sorted(found)]


@dataclass(frozen=True)
class ProviderBuild:
    """One provider version for this platform in a plugin directory."""

    host: str
    namespace: str
    type: str
    version: str

    def serves(self, wanted: Requirement) -> bool:
        # A source without a hostname means the default registry: the host folder
        # the builds are filed under, whatever its name.
        return (
            self.namespace == wanted.namespace
            and self.type == wanted.type
            and (wanted.host is None or wanted.host == self.host)
            and satisfies(self.version, wanted.constraint)
        )

    def __str__(self) -> str:
        return f"{self.type} {self.version}"


def current_platform() -> str:
    """Terraform's name for this OS and CPU, e.g. linux_amd64."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def scan_mirror(folder: Path, target: str | None = None) -> list[ProviderBuild]:
    """The builds for `target` in a filesystem-mirror directory: unpacked
    HOST/NAMESPACE/TYPE/VERSION/TARGET/ folders or packed
    HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip files."""
    target = target or current_platform()
    builds: set[ProviderBuild] = set()
    for type_dir in folder.glob("*/*/*"):
        if not type_dir.is_dir():
            continue
        host, namespace, ptype = (p.lower() for p in type_dir.parts[-3:])
        for entry in type_dir.iterdir():
            packed = _PACKED.match(entry.name)
            if entry.is_dir() and (entry / target).is_dir() and any((entry / target).iterdir()):
                builds.add(ProviderBuild(host, namespace, ptype, entry.name))
            elif packed and packed["target"] == target and packed["type"].lower() == ptype:
                builds.add(ProviderBuild(host, namespace, ptype, packed["version"]))
    return sorted(builds, key=lambda b: (b.type, b.namespace, b.host, b.version))


@dataclass(frozen=True)
class PluginDir:
    """A Terraform plugin directory (for `-plugin-dir`) and what it holds."""

    path: Path
    origin: str
    """Where the builds came from, as the user named it (for messages)."""
    builds: tuple[ProviderBuild, ...]

    def describe(self) -> str:
        return ", ".join(str(b) for b in self.builds)

    def missing(self, needed: Iterable[Requirement]) -> list[Requirement]:
        """The requirements no build here meets."""
        return [r for r in needed if not any(b.serves(r) for b in self.builds)]


@dataclass(frozen=True)
class _Packed:
    """One `.xz` build of a shared-style folder and its unpacked place."""

    sha256: str
    source: Path
    relative: Path


def _packed_builds(folder: Path) -> list[_Packed]:
    sums = folder / SUMS
    out: list[_Packed] = []
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2 or not re.fullmatch(r"[0-9a-f]{64}", fields[0]):
            raise EngineError(f"{sums}:{number}: not `<sha256>  <name>`: {line!r}")
        found = sorted(folder.rglob(fields[1].lstrip("*") + ".xz"))
        if len(found) != 1:
            raise EngineError(f"{folder}: expected one {fields[1]}.xz, found {len(found)}")
        relative = found[0].relative_to(folder).with_suffix("")
        out.append(_Packed(fields[0], found[0], relative))
    if not out:
        raise EngineError(f"{sums} lists no plugin")
    return out


def _unpack(item: _Packed, into: Path) -> None:
    out = into / item.relative
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with lzma.open(item.source) as packed, open(out, "wb") as handle:
        for chunk in iter(lambda: packed.read(1 << 20), b""):
            digest.update(chunk)
            handle.write(chunk)
    if digest.hexdigest() != item.sha256:
        raise EngineError(
            f"{item.source}: unpacks to SHA-256 {digest.hexdigest()}, not {item.sha256} ({SUMS})"
        )
    os.chmod(out, 0o755)


def _all_match(folder: Path, items: list[_Packed]) -> bool:
    return all(
        (folder / item.relative).is_file() and sha256_of(folder / item.relative) == item.sha256
        for item in items
    )


def unpack_shared(folder: Path, cache: Path, log: Callable[[str], None] | None = None) -> Path:
    """The unpacked plugin directory of a shared-style folder: made once under
    cache/<key of SHA256SUMS>, every binary checked against SHA256SUMS on every call.
    Concurrent runs (pytest -n 2 on a fresh clone) unpack one at a time."""
    items = _packed_builds(folder)
    key = hashlib.sha256((folder / SUMS).read_bytes()).hexdigest()[:16]
    target = cache / key
    if target.is_dir() and _all_match(target, items):
        return target.resolve()
    partial = cache / f".{key}.partial-{os.getpid()}"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with open(cache / ".lock", "w", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if target.is_dir() and _all_match(target, items):  # another run just made it
                return target.resolve()
            if log:
                log(f"unpacking the provider plugins of {folder} into {target} (once per {SUMS})")
            with ThreadPoolExecutor(max_workers=2) as pool:  # lzma releases the GIL
                list(pool.map(lambda item: _unpack(item, partial), items))
            shutil.rmtree(target, ignore_errors=True)
            os.replace(partial, target)
            for stale in cache.iterdir():  # builds of an older SHA256SUMS: 500 MB each
                if stale.name != key and _KEY.fullmatch(stale.name):
                    shutil.rmtree(stale, ignore_errors=True)
    except (OSError, lzma.LZMAError) as failure:
        raise EngineError(f"could not unpack {folder} into {target}: {failure}") from failure
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target.resolve()


def find_plugins(
    root: Path = Path("."), log: Callable[[str], None] | None = None
) -> tuple[PluginDir | None, str]:
    """The plugin directory to use (None: loader mode) and a sentence on where it
    came from or why there is none."""
    named = os.environ.get(PLUGIN_DIR_ENV, "").strip()
    if named:
        source, origin = Path(named), f"{PLUGIN_DIR_ENV}={named}"
        if not source.is_dir():
            raise EngineError(f"{origin} is not a directory")
    else:
        source, origin = root / SHARED_PLUGINS, str(SHARED_PLUGINS)
        if not source.is_dir():
            return None, f"no provider plugins ({SHARED_PLUGINS} absent, {PLUGIN_DIR_ENV} unset)"
    shared_style = (source / SUMS).is_file() and any(source.rglob("*.xz"))
    mirror = unpack_shared(source, root / CACHE_DIR, log) if shared_style else source
    builds = scan_mirror(mirror)
    if not builds:
        raise EngineError(
            f"{origin}: no provider build for {current_platform()} in it (expected "
            f"HOST/NAMESPACE/TYPE/VERSION/{current_platform()}/ or {SUMS} with .xz builds)"
        )
    return PluginDir(mirror.resolve(), origin, tuple(builds)), origin


def init_config(needed: Iterable[Requirement]) -> dict[str, Any]:
    """The configuration `terraform init` runs on: only the providers to install."""
    required = {
        r.name: {"source": r.source, **({"version": r.constraint} if r.constraint else {})}
        for r in needed
    }
    return {"terraform": {"required_providers": required}}
