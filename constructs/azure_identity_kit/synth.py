"""Synthesis that either writes good output or none, and explains failures as a
plain list instead of a traceback from deep inside jsii."""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
from collections.abc import Callable

from ._cdktf import App, skip_type_checks, speedup_enabled
from .errors import KitValidationError

# cdktf's messages when it refuses to write a stack (error annotations, failed
# construct validations); jsii re-raises them as a plain RuntimeError.
_REFUSALS = ('Encountered Annotations with level "ERROR"', "Validation failed")


GC_FREEZE_ENV = "AZURE_IDENTITY_KIT_GC_FREEZE"


def enable_fast_synth() -> None:
    """The entry-point speed-ups, in one call for your own `main.py`
    (docs/performance.md): call it once after your imports, before building the app.

    - The generated bindings' runtime argument checks (typeguard, in every
      constructor, setter and struct) become no-ops, as `python -O` would make
      them; a wrong argument type is then reported by jsii instead.
    - `gc.freeze()`: the ~400 imported modules' objects leave the garbage
      collector's generations, so the many collections while the construct tree
      grows stop re-scanning them.

    The synthesized JSON does not change (tests/test_fast_import.py). Switches:
    AZURE_IDENTITY_KIT_SKIP_TYPECHECKS=0, AZURE_IDENTITY_KIT_GC_FREEZE=0, or
    AZURE_IDENTITY_KIT_EAGER_PROVIDER=1 for every speed-up. Not for tests:
    they should keep the argument checks.
    """
    if speedup_enabled(GC_FREEZE_ENV):
        gc.freeze()
    skip_type_checks()


def synth_or_explain(build: Callable[[], App], outdir: str) -> int:
    from .guard import annotations, check_app

    app: App | None = None
    try:
        app = build()
        app.synth()
    except KitValidationError as error:
        return _fail(outdir, f"synth failed: {error}")
    except Exception as error:
        text = str(error).strip()
        if not (type(error).__module__.startswith("jsii") or any(r in text for r in _REFUSALS)):
            raise
        errors: list[str] = []
        if app is not None:
            try:
                check_app(app)  # stacks after the failing one: list their findings too
            except Exception:  # noqa: BLE001 - the original error is what matters
                pass
            errors = annotations(app, "error")
        if not errors:
            return _fail(outdir, f"synth failed: {_clean(text)}")
        assert app is not None  # the errors were read from its tree
        return _fail(outdir, _listing(errors, annotations(app, "warning")))
    # With CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS set, cdktf writes despite errors.
    found = _written_annotations(outdir)
    if found is None:  # no manifest: ask the tree (two jsii round trips per node)
        found = {level: annotations(app, level) for level in ("error", "warning")}
    if found["error"]:
        return _fail(outdir, _listing(found["error"], found["warning"]))
    for warning in found["warning"]:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


_LEVELS = {"@cdktf/error": "error", "@cdktf/warn": "warning"}


def _written_annotations(outdir: str) -> dict[str, list[str]] | None:
    """Error and warning messages as cdktf wrote them into manifest.json (every
    stack's annotations, collected by its synthesizer), in the guard's
    `<path>: <message>` form; None when there is no readable manifest."""
    try:
        with open(os.path.join(outdir, "manifest.json"), encoding="utf-8") as handle:
            stacks = json.load(handle)["stacks"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    found: dict[str, list[str]] = {"error": [], "warning": []}
    for stack in stacks.values():
        for entry in stack.get("annotations", []):
            level = _LEVELS.get(entry.get("level"))
            if level is None:
                continue
            path, text = entry.get("constructPath", ""), str(entry.get("message", ""))
            found[level].append(text if text.startswith(f"{path}: ") else f"{path}: {text}")
    return found


def _listing(errors: list[str], warnings: list[str]) -> str:
    lines = [f"synth failed: {len(errors)} error(s); nothing was written."]
    lines += [f"  error: {error}" for error in errors]
    lines += [f"  warning: {warning}" for warning in warnings]
    return "\n".join(lines)


def _clean(text: str) -> str:
    return text.removeprefix("Error: ").strip()


def _fail(outdir: str, message: str) -> int:
    # Output of an earlier, good synth would now be a lie: remove it.
    shutil.rmtree(outdir, ignore_errors=True)
    print(message, file=sys.stderr)
    return 1
