"""bench/ (make bench) stays runnable: its apps build, its measurement and its
last line work. Cheap on purpose; nothing here is timed."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
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
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
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


def test_users_one_call_speed_up_keeps_the_output_byte_identical(tmp_path):
    """enable_fast_synth() (docs/performance.md) in a user's own entry point:
    the same bytes as without it, guard on, built from the public API only."""
    outputs = {}
    for variant, extra in (("plain", []), ("fast", ["--fast"])):
        outdir = tmp_path / variant
        env = {**os.environ, "CDKTF_OUTDIR": str(outdir)}
        subprocess.run(
            [sys.executable, str(BENCH / "user_app.py"), "2", *extra],
            check=True,
            env=env,
            capture_output=True,
            cwd=tmp_path,
        )
        outputs[variant] = (outdir / "stacks" / "shop" / "cdk.tf.json").read_bytes()
    assert outputs["fast"] == outputs["plain"]
    doc = json.loads(outputs["fast"])
    assert len(doc["resource"]["azurerm_container_app"]) == 2


def test_targets_report_per_app_cost_for_the_kit_and_a_users_app(capsys):
    run = _load("run")
    flat = {
        "project.wall_s": 2.0,
        "naive.wall_s": 10.0,
        "apps1.wall_s": 1.0,
        "apps300.wall_s": 2.495,
        "user1.wall_s": 1.0,
        "user300.wall_s": 4.0,
        "validate.wall_s": 1.0,
        "accessmap.wall_s": 0.9,
    }
    run.print_targets(flat, [1, 300])
    out = capsys.readouterr().out
    assert "| kit scale app: <= 5 ms per extra app (1 -> 300) | 5.0 ms | yes |" in out
    assert "| user's own app: <= 5 ms per extra app (1 -> 300) | 10.0 ms | NO |" in out
    assert "| project synth <= 0.2x naive | 0.20x | yes |" in out
    assert "make validate, loader mode (four stacks) <= 5 s | 1.00 s | yes |" in out
    assert (
        "| make access-map (four stacks, after synth) <= 2 s | 0.90 s, "
        "2.90 s with the synth | yes |" in out
    )


def test_floor_app_reports_jsii_costs_and_the_container_app_floor(tmp_path, capsys):
    """bench/floor_app.py's one JSON line is what run.py summarizes and checks
    against the per-app target (the numbers themselves are not judged here)."""
    env = {**os.environ, "CDKTF_OUTDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(BENCH / "floor_app.py"), "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    floor = json.loads(done.stdout.strip().splitlines()[-1])["floor"]
    assert floor["container_app_floor_ms"] == 7 * (
        floor["create_ms"] + floor["synth_per_resource_ms"]
    )
    run = _load("run")
    sample = run.Sample(1.0, 1.0, 0, {}, 0, 0, {}, None, 0.0, "", floor)
    flat = run._flatten({"floor": run.summarize([sample])})
    run.print_targets(flat, [1])
    out = capsys.readouterr().out
    assert "jsii floor, one container app (7 creates + synth) <= 5 ms" in out
    assert "a container app's 7 resources" in out


def test_profile_app_prints_round_trips_and_the_cpu_split(tmp_path):
    """bench/profile_app.py (docs/performance.md)
    stays runnable; its numbers are not judged here."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "profile_app.py"), "2", "--guard"],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "| build |" in done.stdout and "| synth |" in done.stdout
    # 11 creates of a container app with its identities and grants, plus its
    # propagation wait's time_sleep (docs/first-deploy.md).
    assert "| create | 12.0 |" in done.stdout, done.stdout
    assert "azure_identity_kit/identity.py:grant" in done.stdout


def test_the_speed_up_table_lists_only_compare_variants(capsys):
    """A case whose key merely contains '_' (validate_plugins) is not a speed-up switched off."""
    run = _load("run")

    def sample(wall: float) -> object:
        return run.Sample(wall, wall, 0, {}, 0, 0, {}, None, 0.0, "")

    cases = [
        run.Case("project", []),
        run.Case("validate", []),
        run.Case("validate_plugins", []),
        run.Case("project_lazynode0", [], variant_of="project"),
    ]
    results = {"project": [sample(2.0)], "validate": [sample(0.5)]}
    results |= {"validate_plugins": [sample(7.0)], "project_lazynode0": [sample(3.0)]}
    run.print_report(cases, results, 1, "python")
    out = capsys.readouterr().out
    table = out.split("Each speed-up off on its own")[1]
    assert "| project_lazynode0 | 3.00 | 1.50 |" in table
    assert "validate_plugins" not in table
