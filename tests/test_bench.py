"""bench/ (make bench) stays runnable: its apps build, its measurement and its
last line work. Cheap on purpose; nothing here is timed."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from azure_identity_kit.azurerm import PACKAGE

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str):
    qualified = f"bench_{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module  # dataclasses look their module up
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[qualified]


def test_scale_app_gives_every_app_its_own_identities_and_grants(tmp_path):
    scale_app = _load("scale_app")
    scale_app.build_scale_app(2, str(tmp_path)).synth()
    doc = json.loads((tmp_path / "stacks" / "scale" / "cdk.tf.json").read_text())
    resources = doc["resource"]
    assert len(resources["azurerm_container_app"]) == 2
    assert len(resources["azurerm_user_assigned_identity"]) == 4  # pull + runtime, per app
    assert len(resources["azurerm_role_assignment"]) == 6  # AcrPull + two grants, per app


def test_naive_app_imports_the_provider_the_usual_way():
    tree = ast.parse((BENCH / "naive_app.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert PACKAGE in imported
    assert not any(name and name.startswith("azure_identity_kit") for name in imported)


def test_tree_sampler_sees_python_and_its_peak_memory():
    run = _load("run")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.1)"])
    sampler = run.TreeSampler(child.pid)
    sampler.start()
    child.wait()
    sampler.stopped.set()
    sampler.join()
    peak, count = sampler.peaks()
    assert count.get("python") == 1 and peak["python"] > 1000  # kB
    assert run.process_kind("node") == "node" and run.process_kind("python3.11") == "python"


def test_last_line_starts_with_the_ratio():
    run = _load("run")
    flat = {
        "project.wall_s": 2.0,
        "naive.wall_s": 10.0,
        "tests.wall_s": 5.0,
        "apps1.wall_s": 2.0,
        "apps100.wall_s": 4.5,
        "project.python_mb": 46.0,
        "project.node_mb": 150.0,
    }
    line = run.final_line(flat, [1, 100], 3)
    assert line.startswith("ratio=0.20 project_s=2.00 naive_s=10.00 test_s=5.00 test_ratio=2.50")
    assert "apps100_minus_apps1_s=2.50" in line and "python_peak_mb=46" in line
    assert line.endswith("reps=3")
