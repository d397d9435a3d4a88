"""One pytest process, provider loaded once: every environment is synthesized
in-process a single time per session and shared by the tests that read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from azure_identity_kit._cdktf import TOOLCHAIN
from azure_identity_kit.azurerm import EAGER_ENV
from support import SNAPSHOT_DIRS
from syrupy.extensions.json import JSONSnapshotExtension

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = SNAPSHOT_DIRS[TOOLCHAIN]


def pytest_configure(config: pytest.Config) -> None:
    """syrupy's --snapshot-dirname, defaulted to the loaded toolchain's set."""
    if getattr(config.option, "snapshot_dirname", None) == "__snapshots__":
        config.option.snapshot_dirname = SNAPSHOT_DIR


# Deployment settings from the caller's shell must not leak into snapshots.
for _name in [n for n in os.environ if n.startswith("IDKIT_")]:
    del os.environ[_name]
_EAGER_RUN: dict[str, object] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """When a test needs the eager-import reference synth, start it now, in a
    second process, so it overlaps with the rest of the suite."""
    import tempfile

    if not any("eager_synth_outdir" in getattr(item, "fixturenames", ()) for item in items):
        return

    outdir = tempfile.mkdtemp(prefix="eager-synth-")
    env = {**os.environ, EAGER_ENV: "1", "CDKTF_OUTDIR": outdir}
    _EAGER_RUN["outdir"] = outdir
    _EAGER_RUN["process"] = subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="session")
def eager_synth_outdir() -> Path:
    process: subprocess.Popen = _EAGER_RUN["process"]  # type: ignore[assignment]
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, f"eager synth failed:\n{stdout}\n{stderr}"
    return Path(_EAGER_RUN["outdir"])  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def synth_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Full synth of every environment (it fails on error annotations)."""
    from stacks import build_app

    outdir = tmp_path_factory.mktemp("cdktf.out")
    build_app(outdir=str(outdir)).synth()
    return outdir


@pytest.fixture(scope="session")
def stack_json(synth_outdir: Path):
    """Parsed cdk.tf.json of one environment stack, by name."""
    cache: dict[str, dict] = {}

    def load(name: str) -> dict:
        if name not in cache:
            cache[name] = json.loads((synth_outdir / "stacks" / name / "cdk.tf.json").read_text())
        return cache[name]

    return load


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)
