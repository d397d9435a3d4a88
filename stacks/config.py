"""Typed per-environment configuration. Adding an environment means adding one
entry to ENVIRONMENTS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from azure_identity_kit.errors import KitValidationError


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    """Short environment name; part of every resource name and the stack name."""
    location: str = "westeurope"
    workload: str = "idkit"
    """Workload short name used in resource names (`rg-<workload>-<env>`, ...)."""
    api_image: str = "api:1.0.0"
    """Repository and tag of the `api` image in the stack's registry."""
    api_min_replicas: int = 0
    api_max_replicas: int = 2
    registry_sku: str = "Standard"
    storage_replication: str = "LRS"
    prevent_destroy: bool = False
    """Protect stateful resources (identities, registry, vault, storage) from `destroy`."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def resource_name(self, abbreviation: str, *parts: str) -> str:
        """Azure CAF style: `<abbr>-<workload>[-<part>...]-<env>`."""
        return "-".join((abbreviation, self.workload, *parts, self.name))

    def compact_name(self, abbreviation: str) -> str:
        """For resources that allow no hyphens (registry, storage): `<abbr><workload><env>`."""
        return f"{abbreviation}{self.workload}{self.name}"


ENVIRONMENTS: dict[str, EnvironmentConfig] = {
    "dev": EnvironmentConfig(name="dev", tags={"environment": "dev"}),
    "staging": EnvironmentConfig(
        name="staging", api_min_replicas=1, tags={"environment": "staging"}
    ),
    "prod": EnvironmentConfig(
        name="prod",
        api_min_replicas=2,
        api_max_replicas=10,
        registry_sku="Premium",
        storage_replication="ZRS",
        prevent_destroy=True,
        tags={"environment": "prod"},
    ),
}


def get_environment(name: str) -> EnvironmentConfig:
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        raise KitValidationError(
            "app",
            "unknown-environment",
            f"There is no environment '{name}'.",
            f"Use one of {', '.join(ENVIRONMENTS)}, or add an entry to stacks/config.py.",
        ) from None
