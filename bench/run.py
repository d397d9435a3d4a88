"""Side-by-side benchmark (`make bench`): wall time, CPU time and peak memory,
Python and Node separately, of

- `project`: `python main.py` for every stack into a temporary CDKTF_OUTDIR
  (what `make synth` runs once its set-up step is done);
- `naive`:   bench/naive_app.py, a one-resource cdktf app that imports the
  azurerm provider package the usual way (none of the kit's speed-ups);
- `tests`:   `python -m pytest -q -p no:cacheprovider` in the repository (what
  `make test` runs once its set-up step is done);
- `appsN`:   bench/scale_app.py N, one stack with N container apps, each with
  its own identities and grants;
- `userN`:   bench/user_app.py N --fast, the same N apps as a user builds them
  from the public API in their own entry point, guard on, with the one
  documented call `enable_fast_synth()` and none of main.py's import tricks;
- `validate`: `make validate DIR=...` on the four synthesized stacks;
- `accessmap`: `make access-map DIR=...` on the same four stacks (JSON, Mermaid and the SVG,
  Node and Graphviz in WebAssembly included): what `make access-map` adds after its synth;
- `cdktn`:   `python main.py` with .venv-cdktn's Python: the same stacks on the
  fork (cdktn 0.24, azurerm 5.10 bindings), when that venv exists.

Every round runs each case once, in an order that rotates from round to round,
so all cases see the same machine load; medians are reported (the machine may
be shared: compare ratios, not absolute times). An untimed warm-up run first
fills the jsii package cache and the OS page cache. While a case runs, its
process tree is sampled every 20 ms from /proc: per process kind (python, node)
the largest VmHWM of one process, and the largest sum of VmRSS over the tree.
CPU s is user + system time of every process of the tree that was waited for.
The last line of output is `ratio=<project/naive> key=value ...`.

`--compare` adds each speed-up switched off on its own (docs/performance.md),
`--only KEY,...` runs a subset. No network is needed; the `validate` case
uses the pinned Terraform in tools/terraform/bin (make bench installs it). Run it
with the project's Python: `.venv/bin/python bench/run.py --help`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
SAMPLE_SECONDS = 0.02
KIT_SWITCHES = (
    "AZURE_IDENTITY_KIT_EAGER_PROVIDER",
    "AZURE_IDENTITY_KIT_LAZY_NODE",
    "AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES",
    "AZURE_IDENTITY_KIT_CACHE_TYPE_HINTS",
    "AZURE_IDENTITY_KIT_SKIP_TYPECHECKS",
    "AZURE_IDENTITY_KIT_GC_FREEZE",
    "AZURE_IDENTITY_KIT_PIPELINE_LOADS",
    "AZURE_IDENTITY_KIT_GUARD_LEAF",
)

# --compare: each speed-up switched off on its own, side by side with all on.
SPEEDUP_OFF = {
    "eager": ({"AZURE_IDENTITY_KIT_EAGER_PROVIDER": "1"}, "every kit speed-up off"),
    "lazynode0": ({"AZURE_IDENTITY_KIT_LAZY_NODE": "0"}, "Node requires the whole provider"),
    "traces": ({"AZURE_IDENTITY_KIT_SKIP_TOKEN_TRACES": "0"}, "cdktf token stack traces on"),
    "hints0": ({"AZURE_IDENTITY_KIT_CACHE_TYPE_HINTS": "0"}, "type hints resolved per call"),
    "checks": ({"AZURE_IDENTITY_KIT_SKIP_TYPECHECKS": "0"}, "typeguard checks kept"),
    "gc0": ({"AZURE_IDENTITY_KIT_GC_FREEZE": "0"}, "no GC pause/freeze at import"),
    "guardleaf0": (
        {"AZURE_IDENTITY_KIT_GUARD_LEAF": "0"},
        "guard Aspect on the stack (called per construct)",
    ),
    "pipeline0": (
        {"AZURE_IDENTITY_KIT_PIPELINE_LOADS": "0"},
        "assemblies loaded one by one as Python imports them",
    ),
    "pkgcache0": ({"JSII_RUNTIME_PACKAGE_CACHE": "disabled"}, "jsii package cache off"),
}

# Targets from issue 8 (ratios, so they hold on any machine).
TARGET_RATIO = 0.20  # issue 15 (was 0.35 in issue 8)
TARGET_PER_APP_MS = 5.0  # issue 15: end to end, per extra app, kit and user app
TARGET_PYTHON_PEAK_MB = 150.0
TARGET_VALIDATE_S = 5.0  # issue 11: make validate adds at most 5 s for the four stacks
TARGET_ACCESS_MAP_S = 2.0  # issue 25: make access-map over the four stacks
TERRAFORM = REPO / "tools" / "terraform" / "bin" / "terraform"


@dataclass
class Case:
    key: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    outdir: bool = True
    about: str = ""
    variant_of: str = ""
    """--compare: the case this one repeats with one speed-up off."""


@dataclass
class Sample:
    wall_s: float
    cpu_s: float  # user + system time of the whole process tree
    rc: int
    peak_kb: dict[str, int]  # largest VmHWM of one process, per kind
    root_kb: int  # VmHWM of the process bench/run.py started (python, pytest)
    tree_kb: int  # largest sum of VmRSS over the whole tree
    procs: dict[str, int]  # processes seen, per kind
    marks: dict[str, float] | None
    t0: float
    tail: str
    floor: dict[str, float] | None = None  # bench/floor_app.py's costs per operation


# --- process tree sampling -------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return found


def _status(pid: int) -> tuple[str, int, int] | None:
    """(kind, VmHWM kB, VmRSS kB) of a live process."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            text = handle.read()
    except OSError:
        return None
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("Name", "VmHWM", "VmRSS"):
            values[key] = value.strip()
    if "VmHWM" not in values:  # a zombie: its memory is gone already
        return None
    return (
        process_kind(values.get("Name", "")),
        int(values["VmHWM"].split()[0]),
        int(values.get("VmRSS", "0 kB").split()[0]),
    )


def process_kind(name: str) -> str:
    if name.startswith("python"):
        return "python"
    if name == "node" or name.startswith("node"):
        return "node"
    return "other"


class TreeSampler(threading.Thread):
    """Polls /proc for the process tree under `root` until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.stopped = threading.Event()
        self.hwm: dict[int, tuple[str, int]] = {}
        self.tree_kb = 0
        self.seen: set[int] = set()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(SAMPLE_SECONDS)

    def sample(self) -> None:
        total = 0
        stack = [self.root]
        while stack:
            pid = stack.pop()
            status = _status(pid)
            if status is not None:
                kind, hwm, rss = status
                self.seen.add(pid)
                previous = self.hwm.get(pid, (kind, 0))[1]
                self.hwm[pid] = (kind, max(previous, hwm))
                total += rss
            stack.extend(_children(pid))
        self.tree_kb = max(self.tree_kb, total)

    def peaks(self) -> tuple[dict[str, int], dict[str, int]]:
        peak: dict[str, int] = {}
        count: dict[str, int] = {}
        for kind, hwm in self.hwm.values():
            peak[kind] = max(peak.get(kind, 0), hwm)
            count[kind] = count.get(kind, 0) + 1
        return peak, count


def run_once(case: Case, base_env: dict[str, str]) -> Sample:
    outdir = tempfile.mkdtemp(prefix=f"bench-{case.key}-") if case.outdir else None
    env = {**base_env, **case.env}
    if outdir:
        env["CDKTF_OUTDIR"] = outdir
    t0 = time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        case.argv,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - start
    sampler.stopped.set()
    sampler.join()
    _wait_for_leftovers(sampler.seen - {process.pid})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if outdir:
        shutil.rmtree(outdir, ignore_errors=True)
    peak, count = sampler.peaks()
    marks = floor = None
    for line in reversed(output.splitlines()):
        if line.startswith('{"floor"'):
            floor = json.loads(line)["floor"]
        if line.startswith("{") and '"synthed"' in line:
            marks = json.loads(line)
            break
    root_kb = sampler.hwm.get(process.pid, ("", 0))[1]
    return Sample(
        wall,
        cpu,
        process.returncode,
        peak,
        root_kb,
        sampler.tree_kb,
        count,
        marks,
        t0,
        output[-3000:],
        floor,
    )


def _wait_for_leftovers(pids: set[int], timeout: float = 10.0) -> None:
    """Node children that outlive their Python parent still use the machine:
    let them finish before the next measurement starts."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        while time.monotonic() < deadline and _status(pid) is not None:
            time.sleep(SAMPLE_SECONDS)


# --- cases -----------------------------------------------------------------------


def build_cases(args: argparse.Namespace, python: str) -> list[Case]:
    cases = [
        Case("project", [python, "main.py"], about="python main.py (every stack, = make synth)"),
        Case("naive", [python, str(BENCH / "naive_app.py")], about="naive one-resource app"),
    ]
    if args.cdktn_python and Path(args.cdktn_python).is_file():
        # The same main.py on the fork (docs/toolchains.md), side by side.
        cases.append(
            Case(
                "cdktn",
                [args.cdktn_python, "main.py"],
                about="python main.py in .venv-cdktn (= make synth CDK=cdktn)",
            )
        )
    if not args.skip_tests:
        cases.append(
            Case(
                "tests",
                [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                outdir=False,
                about="python -m pytest -q (= make test)",
            )
        )
        if importlib.util.find_spec("xdist") is not None:  # does the suite gain from 2 cores?
            cases.append(
                Case(
                    "tests_n2",
                    [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"],
                    outdir=False,
                    about="python -m pytest -q -n 2 (pytest-xdist, both cores)",
                )
            )
    # The four stacks synthesized once, for the cases that read them (validate, accessmap).
    synthesized = tempfile.mkdtemp(prefix="bench-synthesized-")
    subprocess.run(
        [python, "main.py"],
        cwd=REPO,
        env={**os.environ, "CDKTF_OUTDIR": synthesized},
        check=True,
        capture_output=True,
    )
    # make access-map after its synth (the `project` case is that synth): JSON, Markdown and
    # the SVG (Node + Graphviz in WebAssembly) of every stack.
    cases.append(
        Case(
            "accessmap",
            [python, "-m", "azure_identity_kit.access_map", "--outdir", synthesized],
            outdir=False,
            about="make access-map DIR=<the four stacks> (JSON, Mermaid, SVG; after synth)",
        )
    )
    if TERRAFORM.is_file():
        # make validate on already synthesized stacks (what it adds to make test): the
        # Terraform 1.0.3 loader (the issue 11 target), and the real providers where the
        # shared plugins are (issue 21; no target of its own, reported beside it).
        validate = [python, "-m", "azure_identity_kit.validate", synthesized]
        validate += ["--terraform", str(TERRAFORM)]
        cases.append(
            Case(
                "validate",
                [*validate, "--no-plugins"],
                outdir=False,
                about="make validate DIR=<the four stacks>, loader mode (Terraform 1.0.3)",
            )
        )
        cases.append(
            Case(
                "validate_plugins",
                validate,
                outdir=False,
                about="make validate DIR=<the four stacks> with the real providers "
                "(../shared/terraform-plugins; the loader where they are absent)",
            )
        )
    cases.append(
        Case(
            "floor",
            [python, str(BENCH / "floor_app.py")],
            about="jsii's own cost per operation, no kit code (bench/floor_app.py)",
        )
    )
    for apps in args.apps:
        cases.append(
            Case(
                f"apps{apps}",
                [python, str(BENCH / "scale_app.py"), str(apps)],
                about=f"one stack, {apps} container app(s)",
            )
        )
    for apps in args.apps:
        cases.append(
            Case(
                f"user{apps}",
                [python, str(BENCH / "user_app.py"), str(apps), "--fast"],
                about=f"a user's own app, {apps} container app(s), guard on, enable_fast_synth()",
            )
        )
    if args.compare:
        big = max(args.apps)
        for suffix, (env, about) in SPEEDUP_OFF.items():
            cases.append(
                Case(
                    f"project_{suffix}",
                    [python, "main.py"],
                    env=env,
                    about=f"main.py, {about}",
                    variant_of="project",
                )
            )
        cases.append(
            Case(
                "project_O",
                [python, "-O", "main.py"],
                about="python -O main.py (all on)",
                variant_of="project",
            )
        )
        for suffix, (env, about) in SPEEDUP_OFF.items():
            if suffix not in ("lazynode0", "pkgcache0"):
                cases.append(
                    Case(
                        f"apps{big}_{suffix}",
                        [python, str(BENCH / "scale_app.py"), str(big)],
                        env=env,
                        about=f"{big} apps, {about}",
                        variant_of=f"apps{big}",
                    )
                )
    return cases


# --- reporting -------------------------------------------------------------------


def mb(kb: float) -> float:
    return kb / 1024.0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(samples: list[Sample]) -> dict[str, float]:
    walls = [s.wall_s for s in samples]
    summary = {
        "wall_s": median(walls),
        "cpu_s": median([s.cpu_s for s in samples]),
        "min_s": min(walls),
        "max_s": max(walls),
        "python_mb": mb(median([s.peak_kb.get("python", 0) for s in samples])),
        "root_mb": mb(median([s.root_kb for s in samples])),
        "node_mb": mb(median([s.peak_kb.get("node", 0) for s in samples])),
        "tree_mb": mb(median([s.tree_kb for s in samples])),
        "python_procs": max(s.procs.get("python", 0) for s in samples),
        "node_procs": max(s.procs.get("node", 0) for s in samples),
    }
    floors = [s.floor for s in samples if s.floor]
    for name in floors[0] if floors else ():
        summary[f"floor_{name}"] = median([floor[name] for floor in floors])
    marked = [s for s in samples if s.marks]
    if marked:
        # Phases of bench/scale_app.py, from its own wall-clock marks.
        summary["start_s"] = median([s.marks["start"] - s.t0 for s in marked])
        summary["import_s"] = median([s.marks["imported"] - s.marks["start"] for s in marked])
        summary["build_s"] = median([s.marks["built"] - s.marks["imported"] for s in marked])
        summary["synth_s"] = median([s.marks["synthed"] - s.marks["built"] for s in marked])
        summary["exit_s"] = median([s.t0 + s.wall_s - s.marks["synthed"] for s in marked])
    return summary


def print_report(
    cases: list[Case], results: dict[str, list[Sample]], reps: int, python: str
) -> dict[str, float]:
    stats = {case.key: summarize(results[case.key]) for case in cases}
    print()
    print(
        f"Medians of {reps} alternating runs; {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}; {_node_version()}; {python}"
    )
    print()
    print(
        "| case | what | wall s (median) | min-max s | CPU s | Python peak MB (main/any) "
        "| Node peak MB | tree peak MB | processes py/node |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        s = stats[case.key]
        print(
            f"| {case.key} | {case.about} | {s['wall_s']:.2f} | {s['min_s']:.2f}-{s['max_s']:.2f} "
            f"| {s['cpu_s']:.2f} | {s['root_mb']:.0f}/{s['python_mb']:.0f} | {s['node_mb']:.0f} "
            f"| {s['tree_mb']:.0f} "
            f"| {s['python_procs']:.0f}/{s['node_procs']:.0f} |"
        )
    variants = [c for c in cases if c.variant_of in stats]
    if variants:
        print()
        print("Each speed-up off on its own, against the same case with all on (> 1: it helps):")
        print()
        print("| variant | wall s | / all on | CPU s | / all on |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for variant in variants:
            base, s = stats[variant.variant_of], stats[variant.key]
            print(
                f"| {variant.key} | {s['wall_s']:.2f} | {s['wall_s'] / base['wall_s']:.2f} "
                f"| {s['cpu_s']:.2f} | {s['cpu_s'] / base['cpu_s']:.2f} |"
            )
    scale = [case.key for case in cases if case.key.startswith("apps") and "_" not in case.key]
    if scale:
        print()
        print(
            "Scale series (phases from the app's own clock: interpreter start, imports, "
            "building the constructs, app.synth(), exit):"
        )
        print()
        print("| case | wall s | start | import | build | synth | exit | Python MB | Node MB |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for key in scale + [c.key for c in cases if c.key.startswith("apps") and "_" in c.key]:
            s = stats[key]
            print(
                f"| {key} | {s['wall_s']:.2f} | {s.get('start_s', 0):.2f} "
                f"| {s.get('import_s', 0):.2f} | {s.get('build_s', 0):.2f} "
                f"| {s.get('synth_s', 0):.2f} | {s.get('exit_s', 0):.2f} "
                f"| {s['python_mb']:.0f} | {s['node_mb']:.0f} |"
            )
    failed = {key: [s.rc for s in samples if s.rc] for key, samples in results.items()}
    failed = {key: rcs for key, rcs in failed.items() if rcs}
    if failed:
        print()
        for key, rcs in failed.items():
            print(f"NOTE: {key} exited non-zero in {len(rcs)} run(s) (rc {rcs[0]}); last output:")
            print(results[key][-1].tail.rstrip()[-1500:])
    return {key: value for key, value in _flatten(stats).items()}


def _flatten(stats: dict[str, dict[str, float]]) -> dict[str, float]:
    return {f"{key}.{name}": value for key, s in stats.items() for name, value in s.items()}


def _node_version() -> str:
    try:
        return (
            "node "
            + subprocess.run(
                ["node", "--version"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
        )
    except OSError:
        return "node ?"


def final_line(flat: dict[str, float], apps: list[int], reps: int) -> str:
    def get(key: str) -> float | None:
        value = flat.get(key)
        return None if value is None or value != value else value

    pairs: list[tuple[str, float | None, str]] = []
    project, naive = get("project.wall_s"), get("naive.wall_s")
    pairs.append(("ratio", project / naive if project and naive else None, "{:.2f}"))
    pairs.append(("project_s", project, "{:.2f}"))
    pairs.append(("naive_s", naive, "{:.2f}"))
    tests = get("tests.wall_s")
    if tests is not None:
        pairs.append(("test_s", tests, "{:.2f}"))
        pairs.append(("test_ratio", tests / project if project else None, "{:.2f}"))
    for count in apps:
        pairs.append((f"apps{count}_s", get(f"apps{count}.wall_s"), "{:.2f}"))
    if len(apps) > 1:
        low, high = min(apps), max(apps)
        a, b = get(f"apps{low}.wall_s"), get(f"apps{high}.wall_s")
        pairs.append(
            (
                f"apps{high}_minus_apps{low}_s",
                b - a if a is not None and b is not None else None,
                "{:.2f}",
            )
        )
    pairs.append(("python_peak_mb", get("project.python_mb"), "{:.0f}"))
    pairs.append(("node_peak_mb", get("project.node_mb"), "{:.0f}"))
    pairs.append(("naive_python_peak_mb", get("naive.python_mb"), "{:.0f}"))
    pairs.append(("naive_node_peak_mb", get("naive.node_mb"), "{:.0f}"))
    if apps:
        high = max(apps)
        pairs.append((f"apps{high}_python_peak_mb", get(f"apps{high}.python_mb"), "{:.0f}"))
        pairs.append((f"apps{high}_node_peak_mb", get(f"apps{high}.node_mb"), "{:.0f}"))
    if tests is not None:
        pairs.append(("test_python_peak_mb", get("tests.root_mb"), "{:.0f}"))
        pairs.append(("test_any_python_peak_mb", get("tests.python_mb"), "{:.0f}"))
    cdktn = get("cdktn.wall_s")
    if cdktn is not None:
        pairs.append(("cdktn_s", cdktn, "{:.2f}"))
        pairs.append(("cdktn_vs_project", cdktn / project if project else None, "{:.2f}"))
        pairs.append(("cdktn_node_peak_mb", get("cdktn.node_mb"), "{:.0f}"))
    pairs.append(("reps", reps, "{:d}"))
    return " ".join(
        f"{name}={fmt.format(value) if value is not None else 'na'}" for name, value, fmt in pairs
    )


def print_targets(flat: dict[str, float], apps: list[int]) -> None:
    project, naive = flat.get("project.wall_s"), flat.get("naive.wall_s")
    checks = []
    if project and naive:
        ratio = project / naive
        checks.append(
            (f"project synth <= {TARGET_RATIO}x naive", f"{ratio:.2f}x", ratio <= TARGET_RATIO)
        )
    for prefix, label in (("apps", "kit scale app"), ("user", "user's own app")):
        low, high = f"{prefix}{min(apps)}.wall_s", f"{prefix}{max(apps)}.wall_s"
        if len(apps) > 1 and low in flat and high in flat:
            per_app = (flat[high] - flat[low]) / (max(apps) - min(apps)) * 1000
            checks.append(
                (
                    f"{label}: <= {TARGET_PER_APP_MS:.0f} ms per extra app "
                    f"({min(apps)} -> {max(apps)})",
                    f"{per_app:.1f} ms",
                    per_app <= TARGET_PER_APP_MS,
                )
            )
    largest = ("project", f"apps{max(apps)}", f"user{max(apps)}") if apps else ("project",)
    python_peak = max(
        (v for k, v in flat.items() if k.endswith(".python_mb") and k.split(".")[0] in largest),
        default=0.0,
    )
    checks.append(
        (
            f"Python-side peak <= {TARGET_PYTHON_PEAK_MB:.0f} MB (project, largest scale)",
            f"{python_peak:.0f} MB",
            python_peak <= TARGET_PYTHON_PEAK_MB,
        )
    )
    floor = flat.get("floor.floor_container_app_floor_ms")
    if floor is not None:
        print(
            "jsii floor (bench/floor_app.py, medians): static call "
            f"{flat['floor.floor_static_call_ms']:.3f} ms, smallest resource created "
            f"{flat['floor.floor_create_ms']:.3f} ms, attribute token read "
            f"{flat['floor.floor_attribute_read_ms']:.3f} ms, synth "
            f"{flat['floor.floor_synth_per_resource_ms']:.3f} ms per resource; a container "
            f"app's 7 resources: {floor:.1f} ms before any reference, grant or ordering"
        )
        checks.append(
            (
                f"jsii floor, one container app (7 creates + synth) <= {TARGET_PER_APP_MS:.0f} ms",
                f"{floor:.1f} ms",
                floor <= TARGET_PER_APP_MS,
            )
        )
    tests, tests_n2 = flat.get("tests.wall_s"), flat.get("tests_n2.wall_s")
    if tests:
        print(f"make test wall: {tests:.1f} s (median)", end="")
        if tests_n2:
            print(f"; on both cores (pytest -n 2): {tests_n2:.1f} s = {tests / tests_n2:.2f}x")
        else:
            print("; both cores not measured (pytest-xdist is not installed)")
    validate = flat.get("validate.wall_s")
    if validate is not None:
        checks.append(
            (
                f"make validate, loader mode (four stacks) <= {TARGET_VALIDATE_S:.0f} s",
                f"{validate:.2f} s",
                validate <= TARGET_VALIDATE_S,
            )
        )
    with_plugins = flat.get("validate_plugins.wall_s")
    if with_plugins is not None:
        print(f"make validate with the real providers (four stacks): {with_plugins:.2f} s wall")
    access_map = flat.get("accessmap.wall_s")
    if access_map is not None:
        synth = f", {project + access_map:.2f} s with the synth" if project else ""
        checks.append(
            (
                f"make access-map (four stacks, after synth) <= {TARGET_ACCESS_MAP_S:.0f} s",
                f"{access_map:.2f} s{synth}",
                access_map <= TARGET_ACCESS_MAP_S,
            )
        )
    print()
    print("| target | measured | holds |")
    print("| --- | ---: | --- |")
    for name, measured, holds in checks:
        print(f"| {name} | {measured} | {'yes' if holds else 'NO'} |")


# --- main ------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument(
        "--apps", default="1,100,300", help="scale series, comma-separated (default 1,100,300)"
    )
    parser.add_argument("--skip-tests", action="store_true", help="leave out the test suite")
    parser.add_argument(
        "--compare", action="store_true", help="also run with each speed-up switched off"
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up round")
    parser.add_argument(
        "--cdktn-python",
        default=str(REPO / ".venv-cdktn" / "bin" / "python"),
        help="the fork's venv Python for the `cdktn` case (make bench sets it up; "
        "left out when missing)",
    )
    parser.add_argument(
        "--only", default="", help="run only these case keys, comma-separated (e.g. project,naive)"
    )
    args = parser.parse_args(argv)
    args.apps = sorted({int(n) for n in args.apps.split(",") if n.strip()})
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    python = sys.executable
    base_env = {k: v for k, v in os.environ.items() if k not in KIT_SWITCHES}
    base_env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    base_env.pop("CDKTF_OUTDIR", None)
    cases = build_cases(args, python)
    if args.only:
        wanted = {key.strip() for key in args.only.split(",") if key.strip()}
        cases = [case for case in cases if case.key in wanted]
        args.apps = [n for n in args.apps if f"apps{n}" in wanted] or args.apps
    results: dict[str, list[Sample]] = {case.key: [] for case in cases}

    if not args.no_warmup:
        # Fills the jsii package cache, the .pyc caches and the page cache once;
        # not counted. (The first run on a fresh machine is slower: see docs/performance.md.)
        for case in cases:
            if case.key in ("project", "naive", "cdktn") or case.key == f"apps{min(args.apps)}":
                sample = run_once(case, base_env)
                print(f"warm-up {case.key}: {sample.wall_s:.2f} s (rc {sample.rc})", flush=True)

    for round_index in range(args.reps):
        shift = round_index % len(cases)
        order = cases[shift:] + cases[:shift]
        for case in order:
            sample = run_once(case, base_env)
            results[case.key].append(sample)
            print(
                f"round {round_index + 1}/{args.reps} {case.key}: {sample.wall_s:.2f} s, "
                f"python {mb(sample.peak_kb.get('python', 0)):.0f} MB, "
                f"node {mb(sample.peak_kb.get('node', 0)):.0f} MB, rc {sample.rc}",
                flush=True,
            )

    flat = print_report(cases, results, args.reps, python)
    print_targets(flat, args.apps)
    print()
    print(final_line(flat, args.apps, args.reps))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
