"""Per-environment composition of the kit's constructs, configured by
environments.toml (stacks/settings.py)."""

from __future__ import annotations

from collections.abc import Iterable

from azure_identity_kit._cdktf import App
from azure_identity_kit.deploy_gate import refuse_deploy
from azure_identity_kit.errors import KitValidationError
from azure_identity_kit.guard import apply_guard

from .backend import (
    RemoteState,
    adopt_existing_resource_group,
    check_unique_state_keys,
    resolve_remote_state,
)
from .bootstrap import STACK_NAME as BOOTSTRAP_STACK
from .bootstrap import BootstrapConfig, BootstrapStack
from .config import EnvironmentConfig
from .settings import Settings, default_settings, load_settings
from .workload import WorkloadStack

__all__ = [
    "BOOTSTRAP_STACK",
    "ENVIRONMENTS",
    "BootstrapConfig",
    "BootstrapStack",
    "EnvironmentConfig",
    "RemoteState",
    "Settings",
    "WorkloadStack",
    "build_app",
    "default_settings",
    "get_environment",
    "load_settings",
]


def __getattr__(name: str) -> object:
    """`ENVIRONMENTS`: the environments of environments.toml, read on first use
    (a bad file then fails where its errors are reported, not at import)."""
    if name == "ENVIRONMENTS":
        return default_settings().environments
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_environment(name: str, settings: Settings | None = None) -> EnvironmentConfig:
    environments = (settings or default_settings()).environments
    try:
        return environments[name]
    except KeyError:
        raise KitValidationError(
            "app",
            "unknown-environment",
            f"There is no environment '{name}'.",
            f"Use one of {', '.join(environments)}, or add [environments.{name}] to "
            "environments.toml.",
        ) from None


def build_app(
    environments: Iterable[str] | None = None,
    outdir: str | None = None,
    settings: Settings | None = None,
) -> App:
    """The app with one stack per environment and the `bootstrap` stack (all of them
    by default; name `bootstrap` or environments to pick), each checked by the
    least-privilege guard at synth, and each that still holds a demo value carrying
    the deploy gate (docs/first-deploy.md).

    Deployment settings are checked across *all* environments before anything is
    built: a half-filled remote state, or one state key used by two environments,
    fails here even when only one stack is selected.
    """
    settings = settings or default_settings()
    known = settings.environments
    names = list(environments) if environments else [*known, BOOTSTRAP_STACK]
    configs = [get_environment(name, settings) for name in names if name != BOOTSTRAP_STACK]
    check_unique_state_keys([*known.values(), *configs])
    bootstrap = settings.bootstrap.with_state_env() if BOOTSTRAP_STACK in names else None
    app = App(outdir=outdir) if outdir else App()
    for config in configs:
        stack = WorkloadStack(app, config)
        if resolve_remote_state(config) is not None:
            # Deploying for real: the group exists (docs/first-deploy.md, bootstrap).
            adopt_existing_resource_group(stack, config)
        refuse_deploy(stack, settings.deploy_findings(config.name, config))
        apply_guard(stack)
    if bootstrap is not None:
        stack = BootstrapStack(app, bootstrap, known.values())
        refuse_deploy(stack, settings.deploy_findings(BOOTSTRAP_STACK, bootstrap))
        apply_guard(stack)
    return app
