"""Per-environment composition of the kit's constructs."""

from __future__ import annotations

from collections.abc import Iterable

from azure_identity_kit._cdktf import App

from .config import ENVIRONMENTS, EnvironmentConfig, get_environment
from .workload import WorkloadStack

__all__ = ["ENVIRONMENTS", "EnvironmentConfig", "WorkloadStack", "build_app", "get_environment"]


def build_app(environments: Iterable[str] | None = None, outdir: str | None = None) -> App:
    """The app with one stack per environment (all of them by default)."""
    names = list(environments) if environments else list(ENVIRONMENTS)
    configs = [get_environment(name) for name in names]  # fail before building anything
    app = App(outdir=outdir) if outdir else App()
    for config in configs:
        WorkloadStack(app, config)
    return app
