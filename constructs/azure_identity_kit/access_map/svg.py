"""DOT -> SVG with Graphviz compiled to WebAssembly (`@viz-js/viz` from npm, run by Node).

Node is there already (jsii needs it), the package has no dependencies and no native code,
and its output is the same on every platform; `make access-map` installs it from the pinned
lock in tools/viz (npm ci). One Node process renders every stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from ..review.model import InputError

VIZ_DIR_ENV = "AZURE_IDENTITY_KIT_VIZ_DIR"


class SvgError(InputError):
    """The SVG cannot be rendered here (no Node, renderer not installed, Graphviz error)."""


def viz_dir() -> Path:
    """tools/viz of this checkout, or wherever AZURE_IDENTITY_KIT_VIZ_DIR says."""
    if os.environ.get(VIZ_DIR_ENV):
        return Path(os.environ[VIZ_DIR_ENV])
    return Path(__file__).resolve().parents[3] / "tools" / "viz"


def render_svgs(sources: list[str]) -> list[str]:
    folder = viz_dir()
    node = shutil.which("node")
    if node is None:
        raise SvgError("Node.js is not on PATH (the SVG is rendered by Graphviz in Node)")
    if not (folder / "node_modules" / "@viz-js" / "viz").is_dir():
        raise SvgError(
            f"{folder}: @viz-js/viz is not installed; `make access-map` installs it "
            f"(npm ci in tools/viz), or set {VIZ_DIR_ENV}"
        )
    done = subprocess.run(
        [node, str(folder / "render.mjs")],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SvgError(f"rendering the SVG failed (exit {done.returncode}): {last}")
    svgs = json.loads(done.stdout)
    if not isinstance(svgs, list) or len(svgs) != len(sources):
        raise SvgError("the SVG renderer answered with something else than one SVG per graph")
    return [str(svg) for svg in svgs]
