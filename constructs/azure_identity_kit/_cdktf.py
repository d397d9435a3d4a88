"""The one place that imports the CDK library (cdktf or its fork cdktn) and
the constructs library.

Upstream cdktf was archived in December 2025; its maintained fork `cdktn` is a
rename-level drop-in. The kit runs on either (docs/toolchains.md): this
module decides which one is loaded (TOOLCHAIN), `azurerm.py` and `azapi.py`
follow it, and every other module imports from these three only.

It also starts jsii's Node kernel, with the speed-ups described below and in
docs/performance.md.
"""

import atexit
import importlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import types
import typing

EAGER_ENV = "AZURE_IDENTITY_KIT_EAGER_PROVIDER"
"""The one switch for an import that changes nothing in the user's process
beyond what importing cdktf itself does (docs/using.md)."""
PLAIN_IMPORT = os.environ.get(EAGER_ENV, "") not in ("", "0")

# jsii prints a multi-line end-of-life banner on Node 20 for every run. This is
# jsii's documented switch; a value the user already set wins.
if not PLAIN_IMPORT:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# Which CDK library the kit runs on. "cdktf" (the pinned default) or "cdktn"
# (the fork); unset: cdktn when it is installed, else cdktf. Each toolchain's
# venv (make setup / make setup CDK=cdktn) holds only its own, so the
# environment variable is needed only where both are installed.
TOOLCHAIN_ENV = "AZURE_IDENTITY_KIT_CDK"
TOOLCHAINS = ("cdktf", "cdktn")


def _choose_toolchain() -> str:
    chosen = os.environ.get(TOOLCHAIN_ENV, "").strip()
    if chosen:
        if chosen not in TOOLCHAINS:
            raise ImportError(
                f"{TOOLCHAIN_ENV}={chosen!r}: use one of {', '.join(TOOLCHAINS)} "
                "(docs/toolchains.md)"
            )
        return chosen
    return "cdktn" if importlib.util.find_spec("cdktn") is not None else "cdktf"


TOOLCHAIN = _choose_toolchain()
CDKTN = TOOLCHAIN == "cdktn"
"""The fork is loaded. mypy reads `if CDKTN:` as false, or true under `make lint CDK=cdktn`
(pyproject.toml [tool.mypy]), so each toolchain's imports are checked against its bindings."""

# Speed-ups (docs/performance.md). None changes the synthesized JSON (compared
# byte for byte in tests/test_fast_import.py). Each one is off with its switch
# set to 0, and all of them with AZURE_IDENTITY_KIT_EAGER_PROVIDER=1.
LAZY_NODE_ENV = "AZURE_IDENTITY_KIT_LAZY_NODE"
SKIP_TOKEN_TRACES_ENV = "AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES"
CACHE_TYPE_HINTS_ENV = "AZURE_IDENTITY_KIT_CACHE_TYPE_HINTS"
SKIP_TYPECHECKS_ENV = "AZURE_IDENTITY_KIT_SKIP_TYPECHECKS"  # main.py only
PIPELINE_LOADS_ENV = "AZURE_IDENTITY_KIT_PIPELINE_LOADS"
# The provider bindings each toolchain's kit imports (azurerm.py, azapi.py, time_provider.py).
PROVIDER_PACKAGES = {
    "cdktf": ("cdktf_cdktf_provider_azurerm", "cdktf_cdktf_provider_time"),
    "cdktn": ("cdktn_provider_azurerm", "cdktn_provider_azapi", "cdktn_provider_time"),
}
# cdktn's own switch for the token stack traces (lib/tokens/private/stack-trace.js).
CDKTN_CREATION_STACK_ENV = "CDKTN_DISABLE_CREATION_STACK"


def speedup_enabled(switch: str) -> bool:
    """False when `switch` is "0" or AZURE_IDENTITY_KIT_EAGER_PROVIDER is set."""
    if os.environ.get(EAGER_ENV, "") not in ("", "0"):
        return False
    return os.environ.get(switch, "") != "0"


# Given to jsii's Node processes (NODE_OPTIONS=--require) as the kernel starts.
# 1. The kernel runs `require("@cdktf/provider-azurerm")` (cdktn:
#    "@cdktn/provider-azurerm"), whose index.js is ~1,500 lines
#    `exports.x = require("./x");` (cdktn: `exports.x = __importStar(require(
#    "./x/index"));` after TypeScript's helper functions): 185 MB of
#    JavaScript, about 3 s before the first resource. That one file becomes
#    getters that require a submodule on first use. The kernel finds a class by
#    property access, and an object's class is loaded before the object exists.
#    An index of any other shape is loaded as it is. (AZURE_IDENTITY_KIT_LAZY_NODE)
# 2. cdktf captures a full stack trace for every token it creates, only to print
#    it if that token later fails to resolve; under jsii it holds the kernel's
#    frames, not the Python caller's. (AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES)
#    cdktn has its own switch for this, CDKTN_DISABLE_CREATION_STACK, which the
#    kit sets for the kernel instead (see _start_jsii_kernel).
NODE_PRELOAD_JS = r"""'use strict';
const Module = require('module');
const fs = require('fs');
const PROVIDER_INDEXES = ['/node_modules/@cdktf/provider-azurerm/lib/index.js',
  '/node_modules/@cdktn/provider-azurerm/lib/index.js'];
const STACK_TRACE = '/node_modules/cdktf/lib/tokens/private/stack-trace.js';
const lazyIndex = process.env.AZURE_IDENTITY_KIT_LAZY_NODE !== '0';
const skipTraces = process.env.AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES !== '0';
const EXPORT = /^exports\.([A-Za-z_$][\w$]*) = (__importStar\()?require\("(\.\/[\w.\/-]+)"\)\)?;$/;
// TypeScript's own helpers at the top of the fork's index: top-level lines may
// only declare these three; their bodies are indented or close a block.
const HELPER = /^var __(createBinding|setModuleDefault|importStar) = /;
const HELPER_BODY = /^(\s+\S.*|\}.*|\)\);?)$/;
const OTHER = [/^"use strict";$/, /^\/\*\*$/, /^ \*( .*)?$/, /^ \*\/$/, /^$/, /^\/\/.*$/,
  /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/,
  /^exports\.[A-Za-z_$][\w$]*( = exports\.[A-Za-z_$][\w$]*)* = void 0;$/];

// tslib's __importStar: an ES module as it is, anything else wrapped.
function importStar(mod) {
  if (mod && mod.__esModule) return mod;
  const result = {};
  if (mod != null) {
    for (const key of Object.getOwnPropertyNames(mod)) {
      if (key === 'default') continue;
      Object.defineProperty(result, key, { enumerable: true, get: () => mod[key] });
    }
  }
  Object.defineProperty(result, 'default', { enumerable: true, value: mod });
  return result;
}

function loadLazyIndex(module, filename) {
  const entries = [];
  let inHelper = false;
  for (const line of fs.readFileSync(filename, 'utf8').split(/\r?\n/)) {
    const found = EXPORT.exec(line);
    if (found) {
      if (Boolean(found[2]) !== line.endsWith('));')) return false;
      entries.push([found[1], found[3], Boolean(found[2])]);
      inHelper = false;
    } else if (HELPER.test(line)) inHelper = entries.length === 0;
    else if (inHelper && HELPER_BODY.test(line)) continue;
    else if (!OTHER.some((pattern) => pattern.test(line))) return false;
  }
  const exported = module.exports;
  Object.defineProperty(exported, '__esModule', { value: true });
  for (const [name, request, star] of entries) {
    Object.defineProperty(exported, name, {
      configurable: true,
      enumerable: true,
      get() {
        const required = module.require(request);
        const value = star ? importStar(required) : required;
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
  if (lazyIndex && PROVIDER_INDEXES.some((index) => name.endsWith(index))
      && loadLazyIndex(module, filename)) return;
  if (skipTraces && name.endsWith(STACK_TRACE)) {
    Object.defineProperty(module.exports, '__esModule', { value: true });
    module.exports.captureStackTrace = function captureStackTrace() { return []; };
    return;
  }
  return load.call(this, module, filename);
};
"""


def _start_jsii_kernel() -> None:
    """Start jsii's Node kernel now, unless the CDK library was imported before
    the kit: with NODE_PRELOAD_JS, and with the kit's assemblies sent ahead
    (_pipeline_assembly_loads). NODE_OPTIONS (and, for cdktn, its
    creation-stack switch) is changed only while Node is spawned; the script
    is removed once Node has read it (after its first answer).

    When the CDK library was imported first (`from cdktf import App` before the
    kit, as in every cdktf example), its kernel is restarted this way as long
    as it holds no object yet (_stop_idle_kernel); otherwise it is used as it
    is."""
    reload: list[tuple[str, str, str]] = []
    if TOOLCHAIN in sys.modules or "constructs" in sys.modules:
        reload = _stop_idle_kernel()
        if not reload:
            return
    folder = _write_node_preload()
    kernel_env = {}
    if folder is not None:
        quoted = os.path.join(folder, "node-preload.js").replace("\\", "\\\\").replace('"', '\\"')
        kernel_env["NODE_OPTIONS"] = f'{os.environ.get("NODE_OPTIONS") or ""} --require "{quoted}"'
        if TOOLCHAIN == "cdktn" and speedup_enabled(SKIP_TOKEN_TRACES_ENV):
            kernel_env[CDKTN_CREATION_STACK_ENV] = os.environ.get(CDKTN_CREATION_STACK_ENV) or "1"
    previous = {name: os.environ.get(name) for name in kernel_env}
    os.environ.update({name: value.strip() for name, value in kernel_env.items()})

    def remove_preload() -> None:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    pipelined = False
    try:
        pipelined = _pipeline_assembly_loads(after_start=remove_preload)
        if not pipelined and reload:  # a restarted kernel: what Python imported before
            from jsii._runtime import kernel

            for name, version, tarball in reload:
                kernel.load(name, version, tarball)
        elif not pipelined:
            import constructs  # noqa: F401  (its assembly is the first: the kernel starts)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if not pipelined:
            remove_preload()


def _stop_idle_kernel() -> list[tuple[str, str, str]]:
    """Stop jsii's kernel if the kit's speed-ups can still start it again: it
    runs without them, holds no object, and has loaded no assembly but the
    kit's own (`constructs`, cdktf). Returns those assemblies, to load again;
    [] when the kernel is left as it is (speed-ups off, objects exist, another
    jsii library is loaded, or jsii is not the shape this was written for)."""
    if not _preload_wanted():
        return []
    try:
        from jsii import _reference_map
        from jsii._kernel.providers import process as jsii_process
    except ImportError:
        return []
    loaded = set(getattr(_reference_map, "_assembly_to_module", {"?": None}))
    assemblies = [entry for entry in _assembly_tarballs() if entry[0] in loaded]
    objects = getattr(getattr(_reference_map, "_refs", None), "_refs", None)
    getter = getattr(getattr(jsii_process.ProcessProvider, "_process", None), "fget", None)
    cells = [cell.cell_contents for cell in getattr(getter, "__closure__", None) or ()]
    running = [value for value in cells if isinstance(value, list)]
    if (
        objects != {}
        or not loaded
        or len(assemblies) != len(loaded)
        or len(running) != 1
        or len(running[0]) != 1
    ):
        return []
    running[0].pop().stop()  # ProcessProvider._process starts a new one on next use
    return assemblies


def _preload_wanted() -> bool:
    """Is either of NODE_PRELOAD_JS's speed-ups on?"""
    return speedup_enabled(LAZY_NODE_ENV) or speedup_enabled(SKIP_TOKEN_TRACES_ENV)


def _write_node_preload() -> str | None:
    """A temporary folder holding NODE_PRELOAD_JS, or None when neither of its
    speed-ups is on (or there is nowhere to write it)."""
    if not _preload_wanted():
        return None
    try:
        folder = tempfile.mkdtemp(prefix="azure-identity-kit-")
    except OSError:  # no writable temporary directory: start Node as it is
        return None
    try:
        with open(os.path.join(folder, "node-preload.js"), "w", encoding="utf-8") as handle:
            handle.write(NODE_PRELOAD_JS)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return folder


PIPELINED_ASSEMBLIES: tuple[str, ...] = ()
"""The assemblies _pipeline_assembly_loads sent ahead, in order (for tests)."""
_ASSEMBLY_LOAD = re.compile(
    r'JSIIAssembly\.load\(\s*"([^"]+)",\s*"([^"]+)",\s*__name__\[0:-6\],\s*"([^"]+)",?\s*\)'
)


def _assembly_tarballs() -> list[tuple[str, str, str]]:
    """(name, version, tarball) of the jsii assemblies the kit imports, in the
    order Python imports them (a dependency before its dependents), read from
    each package's `_jsii/__init__.py` without importing it."""
    packages = ["constructs", TOOLCHAIN, *PROVIDER_PACKAGES[TOOLCHAIN]]
    found = []
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            break
        folder = os.path.join(list(spec.submodule_search_locations)[0], "_jsii")
        try:
            with open(os.path.join(folder, "__init__.py"), encoding="utf-8") as handle:
                match = _ASSEMBLY_LOAD.search(handle.read())
        except OSError:
            break
        if match is None or not os.path.isfile(os.path.join(folder, match[3])):
            break  # an unknown layout: from here on, assemblies load as they are imported
        found.append((match[1], match[2], os.path.join(folder, match[3])))
    return found


def _pipeline_assembly_loads(after_start: typing.Callable[[], None]) -> bool:
    """Start jsii's kernel and send it the `load` requests for the kit's
    assemblies at once, so Node requires them while Python imports the
    bindings (two cores instead of taking turns). jsii's own `load` for each
    of them then returns without waiting; the responses are read, in order,
    before the next request. False (nothing done) when jsii's kernel is not
    the shape this was written for, or already running."""
    if not speedup_enabled(PIPELINE_LOADS_ENV):
        return False
    try:
        from jsii._kernel.providers import process as jsii_process
        from jsii._kernel.types import LoadRequest
        from jsii._runtime import kernel
    except ImportError:
        return False
    node_process = getattr(jsii_process, "_NodeProcess", None)
    provider = getattr(kernel, "provider", None)
    if not (
        node_process is not None
        and isinstance(provider, jsii_process.ProcessProvider)
        and all(hasattr(node_process, name) for name in ("handshake", "send", "_next_message"))
    ):
        return False
    assemblies = _assembly_tarballs()
    if not assemblies:
        return False
    started: list[object] = []
    handshake = node_process.handshake
    node_process.handshake = lambda self: started.append(self)  # read later, in drain()
    try:
        process = provider._process  # starts Node (or returns the running kernel)
    finally:
        node_process.handshake = handshake
    if not started:
        return False  # the kernel was already running: leave it as it is
    serializer = process._serializer
    pending: list[tuple[str, str]] = []
    for name, version, tarball in assemblies:
        request = serializer.unstructure(LoadRequest(name=name, version=version, tarball=tarball))
        process._process.stdin.write(json.dumps(request).encode("utf8") + b"\n")
        pending.append((name, version))
    process._process.stdin.flush()
    atexit.register(lambda: finish_start() if started else None)  # nothing asked the kernel
    preloaded = set(pending)
    global PIPELINED_ASSEMBLIES
    PIPELINED_ASSEMBLIES = tuple(name for name, _ in pending)
    send, load = process.send, provider.load

    def finish_start() -> None:
        try:
            handshake(started.pop())
        finally:
            after_start()

    def drain() -> None:
        if started:
            finish_start()
        while pending:
            name, version = pending.pop(0)
            response = process._next_message()
            if "ok" not in response:
                raise RuntimeError(
                    f"jsii could not load the assembly {name}@{version}, which "
                    f"azure_identity_kit sent ahead ({PIPELINE_LOADS_ENV}=0 turns this "
                    f"off): {response.get('error', response)}"
                )

    def send_after_loads(request: typing.Any, response_type: typing.Any) -> typing.Any:
        drain()
        del process.send  # jsii's own send from now on
        return send(request, response_type)

    def load_sent_ahead(request: LoadRequest) -> typing.Any:
        if (request.name, request.version) in preloaded:
            return None  # jsii ignores the response; drain() reads it
        return load(request)

    process.send = send_after_loads
    provider.load = load_sent_ahead  # type: ignore[method-assign]  # a patch, on purpose
    return True


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

    def get_type_hints(
        obj: object,
        globalns: dict[str, typing.Any] | None = None,
        localns: typing.Mapping[str, object] | None = None,
        include_extras: bool = False,
    ) -> dict[str, typing.Any]:
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

    cached.__dict__["get_type_hints"] = get_type_hints
    return cached


_CACHED_TYPING = _typing_with_cached_stub_hints() if speedup_enabled(CACHE_TYPE_HINTS_ENV) else None
_BINDINGS = (
    "cdktf",
    "cdktn",
    "constructs",
    "cdktf_cdktf_provider_azurerm",
    "cdktn_provider_azurerm",
    "cdktn_provider_azapi",
    "cdktf_cdktf_provider_time",
    "cdktn_provider_time",
)
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
        namespace["typing"] = _CACHED_TYPING
    check = namespace.get("check_type")
    # cdktf's bindings define check_type per module; cdktn's import jsii's shared one.
    if _skip_type_checks and getattr(check, "__module__", None) in (
        module.__name__,
        "jsii._type_checking",
    ):
        namespace["check_type"] = _no_type_check


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

if CDKTN:
    import cdktn as _CDK
else:
    import cdktf as _CDK
Annotations = _CDK.Annotations
App = _CDK.App
Aspects = _CDK.Aspects
AssetType = _CDK.AssetType
AzurermBackend = _CDK.AzurermBackend
Fn = _CDK.Fn
IAspect = _CDK.IAspect
LocalBackend = _CDK.LocalBackend
TerraformAsset = _CDK.TerraformAsset
TerraformDataSource = _CDK.TerraformDataSource
TerraformElement = _CDK.TerraformElement
TerraformOutput = _CDK.TerraformOutput
TerraformProvider = _CDK.TerraformProvider
TerraformResource = _CDK.TerraformResource
TerraformResourceLifecycle = _CDK.TerraformResourceLifecycle
TerraformStack = _CDK.TerraformStack
TerraformVariable = _CDK.TerraformVariable
TerraformVariableValidationConfig = _CDK.TerraformVariableValidationConfig
Testing = _CDK.Testing
Token = _CDK.Token

from jsii import implements  # noqa: E402  (a Python class implementing a jsii interface)

from constructs import Construct, IConstruct  # noqa: E402

for _name, _module in list(sys.modules.items()):
    if _name.partition(".")[0] in (TOOLCHAIN, "constructs"):
        tune_bindings(_module)


def is_token(value: object) -> bool:
    """`Token.is_unresolved` without a jsii round trip for plain literals (cdktf
    encodes every unresolved string as `${TfToken[...]}`, so a string without
    "${" is a literal) and for a string asked about before."""
    if not isinstance(value, str):
        return Token.is_unresolved(value)
    if "${" not in value:
        return False
    # For a string, cdktf's answer depends on the string alone (a pattern test,
    # lib/tokens/private/encoding.ts unresolved()): ask once per string.
    known = _STRING_TOKENS.get(value)
    if known is None:
        known = Token.is_unresolved(value)
        if len(_STRING_TOKENS) < _STRING_TOKENS_MAX:
            _STRING_TOKENS[value] = known
    return known


_STRING_TOKENS: dict[str, bool] = {}
_STRING_TOKENS_MAX = 100_000


def object_key(obj: IConstruct) -> str:
    """A stable key for a jsii object, read without a round trip: its reference
    in the kernel. A Python proxy is not stable: an object made in Node may get
    a new proxy on every read (e.g. the App from Testing.app())."""
    ref: str = typing.cast(typing.Any, obj).__jsii_ref__.ref  # set by jsii, not in its stubs
    return ref


def depends_on_address(element: TerraformResource | TerraformDataSource) -> str:
    """The `depends_on` entry for a resource or data source added after it was
    built: its bare address, `<terraform_resource_type>.<friendly_unique_id>`
    (`data.` before it for a data source), the form Terraform's JSON syntax
    requires there.

    It is exactly what cdktf's own `dependable()` (lib/tfExpression.ts, class
    Dependable; the same in cdktn 0.24) resolves to for `depends_on=[...]` given
    at construction: the element's fqn, whose reference is that address, with
    braces suppressed (tests/test_identity_core.py compares the two). jsii does
    not export dependable(), and re-implementing its token in Python costs two
    Node->Python callbacks per resolution: measured +14 ms per container app
    (three dependencies) at 300 apps (docs/performance.md). A plain
    `element.fqn` would synthesize to "${azurerm_x.name}", which Terraform
    rejects; `make validate` checks every entry names a resource of its stack.
    """
    address = _ADDRESSES.get(element)
    if address is None:  # one jsii read per element (and one per generated class)
        mode = "data." if isinstance(element, TerraformDataSource) else ""
        address = _ADDRESSES[element] = (
            f"{mode}{resource_type(element)}.{element.friendly_unique_id}"
        )
    return address


_ADDRESSES: weakref.WeakKeyDictionary[TerraformResource | TerraformDataSource, str] = (
    weakref.WeakKeyDictionary()
)


def resolve(scope: IConstruct, value: typing.Any) -> typing.Any:
    """`value` with its tokens resolved as synthesis resolves them in `scope`
    (cdktf's Tokenization.resolve with its default resolver)."""
    resolver = _CDK.DefaultTokenResolver(_CDK.StringConcat())
    return _CDK.Tokenization.resolve(value, scope=scope, resolver=resolver)


def resource_type(element: TerraformResource | TerraformDataSource) -> str:
    """`element.terraform_resource_type`, read once per generated provider class:
    a generated class passes its own `TF_RESOURCE_TYPE` constant to its base
    constructor, so every instance has that type. A class without the constant
    (cdktf's generic TerraformResource / TerraformDataSource, e.g. azapi.py's
    classes on the cdktf toolchain) is given its type per instance, so it is
    read per instance (tests/test_identity_core.py checks both)."""
    cls = type(element)
    known = _TYPES.get(cls)
    if known is None:
        known = typing.cast(str | None, getattr(cls, "TF_RESOURCE_TYPE", None))  # jsii static read
        if known is None:
            return element.terraform_resource_type
        _TYPES[cls] = known
    return known


_TYPES: dict[type, str] = {}


__all__ = [
    "CDKTN",
    "TOOLCHAIN",
    "depends_on_address",
    "resource_type",
    "resolve",
    "object_key",
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
    "implements",
    "LocalBackend",
    "TerraformAsset",
    "TerraformDataSource",
    "TerraformElement",
    "TerraformOutput",
    "TerraformProvider",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "TerraformVariable",
    "TerraformVariableValidationConfig",
    "Testing",
    "Token",
]
