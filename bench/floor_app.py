"""The floor under the per-app target: what jsii itself costs, with no kit code.

    python bench/floor_app.py [N=2000]

In one process (main.py's speed-ups on), times N of each of the cheapest
operations a resource needs: a static call (`Token.is_unresolved`), the
creation of the smallest azurerm resource (a user-assigned identity: three
string arguments), a read of one of its attribute tokens, and app.synth()
per such resource. A container app built by the kit is seven resources, so
seven creates and seven resources' synthesis are its floor, before any
attribute reference, grant or ordering. Prints one JSON line `{"floor": {...}}`
(milliseconds per operation) for bench/run.py. No timing here is a test.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

from azure_identity_kit import enable_fast_synth
from azure_identity_kit._cdktf import App, TerraformStack, Token
from azure_identity_kit.azurerm import provider, user_assigned_identity

RESOURCES_PER_CONTAINER_APP = 7  # bench/scale_app.py's docstring


def timed(count: int, operation) -> tuple[float, float]:
    """(wall ms, Python CPU ms) per call of operation(index)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        operation(index)
    return (
        (time.perf_counter() - wall) / count * 1000,
        (time.process_time() - cpu) / count * 1000,
    )


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 2000
    enable_fast_synth()
    app = App(outdir=os.environ.get("CDKTF_OUTDIR") or tempfile.mkdtemp(prefix="floor-"))
    stack = TerraformStack(app, "floor")
    provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
    token = user_assigned_identity.UserAssignedIdentity(
        stack, "warm-up", name="id-warm-up", resource_group_name="rg", location="westeurope"
    ).principal_id

    identities: list = []

    def create(index: int) -> None:
        identities.append(
            user_assigned_identity.UserAssignedIdentity(
                stack, f"id{index}", name=f"id-{index}", resource_group_name="rg", location="we"
            )
        )

    sinvoke = timed(count, lambda index: Token.is_unresolved(token))
    created = timed(count, create)
    read = timed(count, lambda index: identities[index].principal_id)
    start = time.perf_counter()
    app.synth()
    synth_ms = (time.perf_counter() - start) / (count + 1) * 1000
    floor = {
        "static_call_ms": sinvoke[0],
        "static_call_python_cpu_ms": sinvoke[1],
        "create_ms": created[0],
        "create_python_cpu_ms": created[1],
        "attribute_read_ms": read[0],
        "synth_per_resource_ms": synth_ms,
        "container_app_floor_ms": RESOURCES_PER_CONTAINER_APP * (created[0] + synth_ms),
    }
    print(json.dumps({"floor": floor}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
