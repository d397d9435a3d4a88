"""Per-environment composition of the kit's constructs."""

from __future__ import annotations

from collections.abc import Iterable

from azure_identity_kit._cdktf import App
from azure_identity_kit.guard import apply_guard

from .backend import (
    RemoteState,
    adopt_existing_resource_group,
    check_unique_state_keys,
    resolve_remote_state,
)
from .bootstrap import STACK_NAME as BOOTSTRAP_STACK
from .bootstrap import BootstrapConfig, BootstrapStack
from .config import ENVIRONMENTS, EnvironmentConfig, get_environment
from .workload import WorkloadStack

__all__ = [
    "BOOTSTRAP_STACK",
    "ENVIRONMENTS",
    "BootstrapConfig",
    "BootstrapStack",
    "EnvironmentConfig",
    "RemoteState",
    "WorkloadStack",
    "build_app",
    "get_environment",
]


def build_app(environments: Iterable[str] | None = None, outdir: str | None = None) -> App:
    """The app with one stack per environment and the `bootstrap` stack (all of them
    by default; name `bootstrap` or environments to pick), each checked by the
    least-privilege guard at synth.

    Deployment settings are checked across *all* environments before anything is
    built: a half-filled remote state, or one state key used by two environments,
    fails here even when only one stack is selected.
    """
    names = list(environments) if environments else [*ENVIRONMENTS, BOOTSTRAP_STACK]
    configs = [get_environment(name) for name in names if name != BOOTSTRAP_STACK]
    check_unique_state_keys([*ENVIRONMENTS.values(), *configs])
    bootstrap = BootstrapConfig.from_env() if BOOTSTRAP_STACK in names else None
    app = App(outdir=outdir) if outdir else App()
    for config in configs:
        stack = WorkloadStack(app, config)
        if resolve_remote_state(config) is not None:
            # Deploying for real: the group exists (deploy guide, step 1).
            adopt_existing_resource_group(stack, config)
        apply_guard(stack)
    if bootstrap is not None:
        apply_guard(BootstrapStack(app, bootstrap, ENVIRONMENTS.values()))
    return app
