"""The kit's own Azure Policy definitions, for what no built-in can deny."""

from __future__ import annotations

import json
from functools import cached_property

from ._cdktf import Construct
from .azurerm import policy_definition
from .policy_catalog import CUSTOM_DEFINITIONS


class CustomPolicyDefinitions(Construct):
    """One `azurerm_policy_definition` (policy type Custom) per entry of
    `policy_catalog.CUSTOM_DEFINITIONS`, in the provider's subscription.

    A definition's name is unique in its subscription: make one of these per
    subscription and pass it to every SecretFreeGuardrails assigned there (the
    bootstrap does). Its ID is known only after apply, so assignments reference it.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.definitions: dict[str, policy_definition.PolicyDefinition] = {}
        for key, custom in CUSTOM_DEFINITIONS.items():
            self.definitions[key] = policy_definition.PolicyDefinition(
                self,
                key,
                name=custom.name,
                display_name=custom.display_name,
                description=custom.description,
                policy_type="Custom",
                mode=custom.mode,
                parameters=json.dumps(custom.parameters, sort_keys=True),
                policy_rule=json.dumps(custom.policy_rule, sort_keys=True),
                metadata=json.dumps(dict(custom.metadata), sort_keys=True),
            )

    @cached_property
    def ids(self) -> dict[str, str]:
        """Key -> the definition's ID (a token), read once per definition."""
        return {key: definition.id for key, definition in self.definitions.items()}
