"""Synthesis that either writes good output or none, and explains failures in one
line instead of a traceback from deep inside jsii."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from ._cdktf import App
from .errors import KitValidationError


def synth_or_explain(build: Callable[[], App], outdir: str) -> int:
    try:
        build().synth()
    except KitValidationError as error:
        return _fail(outdir, f"synth failed: {error}")
    except Exception as error:  # jsii raises a RuntimeError for error annotations
        if type(error).__module__.startswith("jsii") or "Validation failed" in str(error):
            return _fail(outdir, f"synth failed: {str(error).strip()}")
        raise
    return 0


def _fail(outdir: str, message: str) -> int:
    # Output of an earlier, good synth would now be a lie: remove it.
    shutil.rmtree(outdir, ignore_errors=True)
    print(message, file=sys.stderr)
    return 1
