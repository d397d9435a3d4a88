"""The one place that imports cdktf and the constructs library.

Upstream cdktf was archived in December 2025; its community fork `cdktn` is a
rename-level drop-in. Keeping every `cdktf` import behind this module (and the
provider behind `azurerm.py`) keeps such a move a one-file rename.

It also starts jsii's Node kernel, with the speed-ups described below and in
README "Fast synth".
"""

import os
import shutil
import sys
import tempfile
import types
import typing

# jsii prints a multi-line end-of-life banner on Node 20 for every run. This is
# jsii's documented switch; a value the user already set wins.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# Speed-ups (README, "Fast synth"). None changes the synthesized JSON (compared
# byte for byte in tests/test_fast_import.py). Each one is off with its switch
# set to 0, and all of them with AZURE_IDENTITY_KIT_EAGER_PROVIDER=1.
EAGER_ENV = "AZURE_IDENTITY_KIT_EAGER_PROVIDER"
LAZY_NODE_ENV = "AZURE_IDENTITY_KIT_LAZY_NODE"
SKIP_TOKEN_TRACES_ENV = "AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES"
CACHE_TYPE_HINTS_ENV = "AZURE_IDENTITY_KIT_CACHE_TYPE_HINTS"
SKIP_TYPECHECKS_ENV = "AZURE_IDENTITY_KIT_SKIP_TYPECHECKS"  # main.py only


def speedup_enabled(switch: str) -> bool:
    """False when `switch` is "0" or AZURE_IDENTITY_KIT_EAGER_PROVIDER is set."""
    if os.environ.get(EAGER_ENV, "") not in ("", "0"):
        return False
    return os.environ.get(switch, "") != "0"


# Given to jsii's Node processes (NODE_OPTIONS=--require) as the kernel starts.
# 1. The kernel runs `require("@cdktf/provider-azurerm")`, whose index.js is
#    ~1,500 lines `exports.x = require("./x");`: 185 MB of JavaScript, about 3 s
#    before the first resource. That one file becomes getters that require a
#    submodule on first use. The kernel finds a class by property access, and
#    an object's class is loaded before the object exists. An index of any
#    other shape is loaded as it is. (AZURE_IDENTITY_KIT_LAZY_NODE)
# 2. cdktf captures a full stack trace for every token it creates, only to print
#    it if that token later fails to resolve; under jsii it holds the kernel's
#    frames, not the Python caller's. (AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES)
NODE_PRELOAD_JS = r"""'use strict';
const Module = require('module');
const fs = require('fs');
const PROVIDER_INDEX = '/node_modules/@cdktf/provider-azurerm/lib/index.js';
const STACK_TRACE = '/node_modules/cdktf/lib/tokens/private/stack-trace.js';
const lazyIndex = process.env.AZURE_IDENTITY_KIT_LAZY_NODE !== '0';
const skipTraces = process.env.AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES !== '0';
const EXPORT = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[\w.-]+)"\);$/;
const OTHER = [/^"use strict";$/, /^\/\*\*$/, /^ \*( .*)?$/, /^ \*\/$/, /^$/, /^\/\/.*$/,
  /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/,
  /^exports\.[A-Za-z_$][\w$]*( = exports\.[A-Za-z_$][\w$]*)* = void 0;$/];

function loadLazyIndex(module, filename) {
  const entries = [];
  for (const line of fs.readFileSync(filename, 'utf8').split(/\r?\n/)) {
    const found = EXPORT.exec(line);
    if (found) entries.push([found[1], found[2]]);
    else if (!OTHER.some((pattern) => pattern.test(line))) return false;
  }
  const exported = module.exports;
  Object.defineProperty(exported, '__esModule', { value: true });
  for (const [name, request] of entries) {
    Object.defineProperty(exported, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = module.require(request);
        Object.defineProperty(exported, name, {
          value, configurable: true, enumerable: true, writable: true,
        });
        return value;
      },
    });
  }
  return true;
}

const load = Module._extensions['.js'];
Module._extensions['.js'] = function (module, filename) {
  const name = filename.replace(/\\/g, '/');
  if (lazyIndex && name.endsWith(PROVIDER_INDEX) && loadLazyIndex(module, filename)) return;
  if (skipTraces && name.endsWith(STACK_TRACE)) {
    Object.defineProperty(module.exports, '__esModule', { value: true });
    module.exports.captureStackTrace = function captureStackTrace() { return []; };
    return;
  }
  return load.call(this, module, filename);
};
"""


def _start_jsii_kernel() -> None:
    """Start jsii's Node kernel now (importing `constructs` loads the first
    assembly) with NODE_PRELOAD_JS, unless cdktf was imported before the kit.
    NODE_OPTIONS is changed only while the kernel starts; Node reads the script
    at start-up and it is removed right after."""
    if "cdktf" in sys.modules or not (
        speedup_enabled(LAZY_NODE_ENV) or speedup_enabled(SKIP_TOKEN_TRACES_ENV)
    ):
        return
    try:
        folder = tempfile.mkdtemp(prefix="azure-identity-kit-")
    except OSError:  # no writable temporary directory: start Node as it is
        return
    script = os.path.join(folder, "node-preload.js")
    try:
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(NODE_PRELOAD_JS)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    previous = os.environ.get("NODE_OPTIONS")
    quoted = script.replace("\\", "\\\\").replace('"', '\\"')
    os.environ["NODE_OPTIONS"] = f'{previous or ""} --require "{quoted}"'.strip()
    try:
        import constructs  # noqa: F401  (its assembly is the first: the kernel starts)
    finally:
        if previous is None:
            os.environ.pop("NODE_OPTIONS", None)
        else:
            os.environ["NODE_OPTIONS"] = previous
        shutil.rmtree(folder, ignore_errors=True)


def _typing_with_cached_stub_hints() -> types.ModuleType:
    """A copy of the `typing` module whose get_type_hints() remembers the hints
    of jsii's `_typecheckingstub__*` functions. The generated bindings resolve
    those fixed annotations again on every constructor, setter and struct call
    before checking the arguments; the checks still run, only the repeated
    resolution goes. (Newer jsii runtimes memoize it the same way.)"""
    cached = types.ModuleType(typing.__name__, typing.__doc__)
    cached.__dict__.update(typing.__dict__)
    resolve = typing.get_type_hints
    known: dict[object, dict[str, typing.Any]] = {}

    def get_type_hints(obj, globalns=None, localns=None, include_extras=False):
        if (
            globalns is None
            and localns is None
            and not include_extras
            and getattr(obj, "__name__", "").startswith("_typecheckingstub__")
        ):
            hints = known.get(obj)
            if hints is None:
                hints = known[obj] = resolve(obj)
            return hints
        return resolve(obj, globalns, localns, include_extras)

    cached.get_type_hints = get_type_hints  # type: ignore[attr-defined]
    return cached


_CACHED_TYPING = _typing_with_cached_stub_hints() if speedup_enabled(CACHE_TYPE_HINTS_ENV) else None
_BINDINGS = ("cdktf", "constructs", "cdktf_cdktf_provider_azurerm")
_skip_type_checks = False


def _no_type_check(argname: str, value: object, expected_type: typing.Any) -> None:
    return None


def tune_bindings(module: types.ModuleType) -> None:
    """Apply the cached type hints (and, after skip_type_checks(), the no-op
    check) to one generated binding module. azurerm.py calls it for each
    provider submodule it loads. A jsii module that ran `publication.publish()`
    keeps its real namespace (the functions' globals) in `_private`."""
    module = getattr(module, "_private", module)
    namespace = module.__dict__
    if _CACHED_TYPING is not None and namespace.get("typing") is typing:
        module.typing = _CACHED_TYPING  # type: ignore[attr-defined]
    check = namespace.get("check_type")
    if _skip_type_checks and getattr(check, "__module__", None) == module.__name__:
        module.check_type = _no_type_check  # type: ignore[attr-defined]


def skip_type_checks() -> None:
    """For entry points such as main.py, not for library use: make the
    bindings' runtime argument checks (typeguard, in every generated
    constructor, setter and struct) no-ops, as `python -O` would, without its
    separate .opt-1.pyc cache. The synthesized JSON does not change; a wrong
    argument type is then reported by jsii instead of typeguard. The tests keep
    the checks. AZURE_IDENTITY_KIT_SKIP_TYPECHECKS=0 keeps them here too."""
    global _skip_type_checks
    if not speedup_enabled(SKIP_TYPECHECKS_ENV):
        return
    _skip_type_checks = True
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in _BINDINGS:
            tune_bindings(module)


_start_jsii_kernel()

import weakref  # noqa: E402

import jsii  # noqa: E402
from cdktf import (  # noqa: E402
    Annotations,
    App,
    Aspects,
    AssetType,
    AzurermBackend,
    Fn,
    IAspect,
    IResolvable,
    IResolveContext,
    LocalBackend,
    TerraformAsset,
    TerraformOutput,
    TerraformProvider,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    Testing,
    Token,
)

from constructs import Construct, IConstruct  # noqa: E402

for _name, _module in list(sys.modules.items()):
    if _name.partition(".")[0] in ("cdktf", "constructs"):
        tune_bindings(_module)


def is_token(value: object) -> bool:
    """`Token.is_unresolved` without a jsii round trip for plain literals: cdktf
    encodes every unresolved string as `${TfToken[...]}`, so a string without
    "${" is a literal."""
    if isinstance(value, str) and "${" not in value:
        return False
    return Token.is_unresolved(value)


@jsii.implements(IResolvable)
class _Dependable:
    """cdktf's own `dependable()` token (cdktf lib/tfExpression.ts, class
    Dependable), which jsii does not export: it resolves to the element's fqn
    with braces suppressed, i.e. the bare address `azurerm_x.name` that
    Terraform's JSON syntax requires in `depends_on`. cdktf applies it to
    `depends_on=[...]` given at construction; this is the same token for
    dependencies added afterwards. (A plain `element.fqn` synthesizes to
    "${azurerm_x.name}", which Terraform rejects there.)"""

    def __init__(self, fqn: str) -> None:
        self._fqn = fqn

    @property
    def creation_stack(self) -> list[str]:
        return []

    def resolve(self, context: IResolveContext) -> str:
        context.suppress_braces = True
        return self._fqn

    def to_string(self) -> str:
        return self._fqn


_DEPENDS_ON_TOKENS: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()


def depends_on_token(element: typing.Any) -> str:
    """The `depends_on` entry for a resource or data source: one token per
    element, reused, so a list can be checked for it with `in`."""
    token = _DEPENDS_ON_TOKENS.get(element)
    if token is None:
        token = _DEPENDS_ON_TOKENS[element] = Token.as_string(_Dependable(element.fqn))
    return token


__all__ = [
    "depends_on_token",
    "is_token",
    "Annotations",
    "App",
    "Aspects",
    "AssetType",
    "AzurermBackend",
    "Construct",
    "Fn",
    "IAspect",
    "IConstruct",
    "LocalBackend",
    "TerraformAsset",
    "TerraformOutput",
    "TerraformProvider",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "Testing",
    "Token",
]
