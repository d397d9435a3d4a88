"""Synthesis that either writes good output or none, and explains failures as a
plain list instead of a traceback from deep inside jsii."""

from __future__ import annotations

import gc
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
    """The entry-point speed-ups, in one call for your own `main.py` (README,
    "Fast synth"): call it once after your imports, before building the app.

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
        return _fail(outdir, _listing(errors, annotations(app, "warning")))
    # With CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS set, cdktf writes despite errors.
    errors = annotations(app, "error")
    if errors:
        return _fail(outdir, _listing(errors, annotations(app, "warning")))
    for warning in annotations(app, "warning"):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


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
