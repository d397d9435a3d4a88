"""What both commands share: output options, exit codes, one-line errors.

Exit codes: 0 nothing at or above --fail-on, 1 a flag at or above it, 2 bad input.
"""

import argparse
import os
import sys
from collections.abc import Callable, Collection

from .model import InputError, Review, Severity
from .render import RENDERERS, render

FAIL_ON = {"high": Severity.HIGH, "medium": Severity.MEDIUM, "low": Severity.LOW, "none": None}
DEBUG_ENV = "AZURE_IDENTITY_KIT_DEBUG"


def add_output_options(parser: argparse.ArgumentParser, fail_on: str) -> None:
    parser.add_argument(
        "--format",
        choices=sorted(RENDERERS),
        help="text (default; or env FORMAT), markdown for a PR comment, json for tools",
    )
    parser.add_argument(
        "--fail-on",
        choices=list(FAIL_ON),
        help=f"exit 1 when a flag at or above this severity is present (default {fail_on}; "
        "or env FAIL_ON)",
    )
    parser.set_defaults(default_fail_on=fail_on)


def _choice(flag: str | None, env: str, allowed: Collection[str], default: str) -> str:
    """The flag wins; an environment variable (as set by make) is the fallback."""
    if flag:
        return flag
    value = (os.environ.get(env) or "").strip().lower() or default
    if value not in allowed:
        raise InputError(f"{env}={value!r} is not one of {', '.join(allowed)}")
    return value


def finish(review: Review, args: argparse.Namespace) -> int:
    fmt = _choice(args.format, "FORMAT", sorted(RENDERERS), "text")
    fail_on = FAIL_ON[_choice(args.fail_on, "FAIL_ON", list(FAIL_ON), args.default_fail_on)]
    sys.stdout.write(render(review, fmt))
    worst = review.worst()
    return 1 if fail_on is not None and worst is not None and worst >= fail_on else 0


def guarded(prog: str, run: Callable[[], int]) -> int:
    """Run a command; bad input becomes one line on stderr and exit 2, never a traceback."""
    try:
        return run()
    except InputError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - a review must not dump a traceback into CI logs
        if os.environ.get(DEBUG_ENV):
            raise
        # Only the type: an exception message could quote a value from the input.
        print(
            f"{prog}: error: unexpected {type(error).__name__} while reading the input "
            f"(set {DEBUG_ENV}=1 for details)",
            file=sys.stderr,
        )
        return 2
