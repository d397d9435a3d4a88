"""Where a container app's milliseconds go: jsii round trips by kind and by the
kit's function that caused them, and CPU split into Python and Node, for the scale series
(bench/scale_app.py).

    .venv/bin/python bench/profile_app.py [N=100] [--guard]

Builds one stack with 1 app and one with N apps in-process (main.py's
speed-ups on) and reports, per extra app: jsii calls by kind (create, get,
set, invoke, static invoke, callbacks from Node), the kit function that made
them (the innermost frame under constructs/azure_identity_kit or bench/),
and wall time split into build and synth, each into Python CPU and the CPU
of jsii's Node kernel and of its relay process (from /proc); `--guard` adds the least-privilege
guard (apply_guard), as the project's stacks and a user's app have. Counting wraps jsii's Kernel
methods; it does not change what is synthesized. No timing here is a test.
"""

from __future__ import annotations

import collections
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import jsii  # noqa: E402
import scale_app  # noqa: E402  (imports the kit, cdktf and the provider)
from azure_identity_kit._cdktf import skip_type_checks  # noqa: E402
from azure_identity_kit.guard import apply_guard  # noqa: E402
from jsii._kernel import Kernel  # noqa: E402

KINDS = ("create", "get", "set", "invoke", "sinvoke", "sget", "complete")
_KIT = str(REPO / "constructs" / "azure_identity_kit")
_BENCH = str(REPO / "bench")


class Counter:
    def __init__(self) -> None:
        self.by_kind: collections.Counter[str] = collections.Counter()
        self.by_site: collections.Counter[str] = collections.Counter()
        self.seconds: collections.Counter[str] = collections.Counter()  # wall, outermost calls
        self.depth = 0
        self.active = False

    def site(self) -> str:
        frame = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(_KIT) or (name.startswith(_BENCH) and "profile_app" not in name):
                short = os.path.relpath(name, REPO)
                return f"{short}:{frame.f_code.co_name}"
            frame = frame.f_back
        return "(cdktf/jsii internals)"

    def wrap(self, kind: str) -> None:
        """Count calls through `jsii.<kind>` (what the generated bindings call)
        and through the Kernel method (what jsii's own runtime calls)."""
        counter = self

        def counting(original):
            def counted(*args, **kwargs):
                if not counter.active:
                    return original(*args, **kwargs)
                counter.by_kind[kind] += 1
                counter.by_site[counter.site()] += 1
                counter.depth += 1
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    counter.depth -= 1
                    if counter.depth == 0:
                        counter.seconds[kind] += time.perf_counter() - start

            return counted

        if hasattr(jsii, kind):
            setattr(jsii, kind, counting(getattr(jsii, kind)))
        kernel_method = getattr(Kernel, kind)
        setattr(Kernel, kind, counting(kernel_method))


def node_cpu_s() -> tuple[float, float]:
    """CPU seconds (user + system) of this process's Node descendants, read
    from /proc (Linux): (jsii's relay, which forwards every message, its kernel)."""
    relay = kernel = 0.0
    stack = [os.getpid()]
    while stack:
        pid = stack.pop()
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        if b"jsii-runtime" in command:
            relay += seconds
        elif b"program.js" in command:
            kernel += seconds
    return relay, kernel


def measure(counter: Counter, apps: int, guard: bool) -> dict[str, float]:
    outdir = tempfile.mkdtemp(prefix="profile-")
    counter.by_kind.clear()
    counter.by_site.clear()
    counter.seconds.clear()
    counter.active = True
    clocks = [(time.perf_counter(), time.process_time(), node_cpu_s())]
    app = scale_app.build_scale_app(apps, outdir)
    if guard:
        apply_guard(app)
    clocks.append((time.perf_counter(), time.process_time(), node_cpu_s()))
    counter.depth += 1  # synth's calls are counted, but timed only as the synth phase
    app.synth()
    counter.depth -= 1
    clocks.append((time.perf_counter(), time.process_time(), node_cpu_s()))
    counter.active = False
    result: dict = {
        "kinds": dict(counter.by_kind),
        "sites": dict(counter.by_site),
        "seconds": dict(counter.seconds),
    }
    for phase, (before, after) in (("build", clocks[0:2]), ("synth", clocks[1:3])):
        result[f"{phase}_s"] = after[0] - before[0]
        result[f"{phase}_python_s"] = after[1] - before[1]
        result[f"{phase}_relay_s"] = after[2][0] - before[2][0]
        result[f"{phase}_kernel_s"] = after[2][1] - before[2][1]
    return result


def main(argv: list[str]) -> int:
    apps = int(next((a for a in argv if a.isdigit()), "100"))
    guard = "--guard" in argv
    skip_type_checks()
    counter = Counter()
    for kind in KINDS:
        counter.wrap(kind)
    measure(counter, 1, guard)  # warm-up: first-use imports of binding modules
    one = measure(counter, 1, guard)
    many = measure(counter, apps, guard)
    extra = apps - 1
    per = lambda key: (many[key] - one[key]) / extra * 1000  # noqa: E731
    print(
        f"per extra app ({apps} vs 1 apps): build {per('build_s'):.2f} ms, "
        f"synth {per('synth_s'):.2f} ms"
    )
    print()
    print(
        "| phase | wall ms per extra app | Python CPU | Node kernel CPU | jsii relay CPU "
        "| wall - Python - kernel |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for phase in ("build", "synth"):
        wall, python, kernel, relay = (
            per(f"{phase}{key}") for key in ("_s", "_python_s", "_kernel_s", "_relay_s")
        )
        print(
            f"| {phase} | {wall:.1f} | {python:.1f} | {kernel:.1f} | {relay:.1f} "
            f"| {wall - python - kernel:.1f} |"
        )
    print()
    print("| jsii call kind | calls per extra app | wall ms per extra app (build phase) |")
    print("| --- | ---: | ---: |")
    total = total_ms = 0.0
    for kind in KINDS:
        value = (many["kinds"].get(kind, 0) - one["kinds"].get(kind, 0)) / extra
        ms = (many["seconds"].get(kind, 0) - one["seconds"].get(kind, 0)) / extra * 1000
        total, total_ms = total + value, total_ms + ms
        if value:
            print(f"| {kind} | {value:.1f} | {ms:.1f} |")
    print(f"| **all** | **{total:.1f}** | **{total_ms:.1f}** |")
    print()
    print("| caused by | calls per extra app |")
    print("| --- | ---: |")
    sites = set(many["sites"]) | set(one["sites"])
    rows = sorted(((many["sites"].get(s, 0) - one["sites"].get(s, 0)) / extra, s) for s in sites)
    for value, site in reversed(rows):
        if value >= 0.5:
            print(f"| `{site}` | {value:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
