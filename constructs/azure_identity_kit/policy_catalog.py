"""The Azure Policy definitions the kit's guardrails assign, as plain data.

Each credential path the kit closes at synth has a policy that keeps it closed after
deploy, whoever sends the request: Microsoft's built-in definition where one can
deny it, the kit's own custom definition on the same alias where none can (App
Service basic authentication), and the built-in audit of that setting beside it.
The built-ins' GUIDs, display names, allowed effects and parameter names are those
of Azure/azure-policy (built-in-policies/policyDefinitions) at SOURCE_COMMIT;
tests/fixtures/azure-policy holds what was read there and tests/policy compares.

No CDK import: the guard (what a stack would be refused) and the review (what a
change weakens) read this module without jsii.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

SOURCE_REPOSITORY = "Azure/azure-policy"
SOURCE_COMMIT = "f4a50bacae07ddb096943c597669bcae494a6e29"
"""The Azure/azure-policy commit the built-ins below were checked against."""

BUILT_IN_PREFIX = "/providers/Microsoft.Authorization/policyDefinitions/"

Effect = Literal["Deny", "Audit", "AuditIfNotExists", "Disabled"]
EFFECT_STRENGTH: Mapping[str, int] = {
    "deny": 3,
    "audit": 2,
    "auditifnotexists": 2,
    "disabled": 0,
}
"""How much an effect does, for the review: Deny refuses, Audit(IfNotExists) reports,
Disabled does nothing. Compared in lower case (Azure compares effects so)."""


@dataclass(frozen=True)
class GuardrailPolicy:
    """One policy definition the guardrails assign, and why."""

    key: str
    """The kit's name for it: assignment names, exemptions, environments.toml."""
    display_name: str
    """The definition's displayName (what Azure names in a refusal)."""
    guid: str | None
    """A built-in's definition name (GUID); None for the kit's custom definition."""
    effect: Effect
    """The effect the guardrails assign: Deny where the definition allows it."""
    allowed_effects: tuple[str, ...]
    """The definition's `effect` parameter allowedValues."""
    default_effect: str
    """The definition's default effect: what an assignment without the parameter gets."""
    blocks: str
    """What it keeps closed, in one line (docs/policy.md table)."""
    source: str
    """Path of the definition in Azure/azure-policy, or `custom` (CUSTOM_DEFINITIONS)."""
    parameters: tuple[str, ...] = ("effect",)
    """The definition's parameter names."""

    @property
    def built_in(self) -> bool:
        return self.guid is not None

    @property
    def definition_id(self) -> str | None:
        """`/providers/Microsoft.Authorization/policyDefinitions/<GUID>` for a built-in;
        None for a custom definition (its ID is known after apply)."""
        return f"{BUILT_IN_PREFIX}{self.guid}" if self.guid else None

    @property
    def reference(self) -> str:
        """How a message names it: its GUID, or the custom definition's name."""
        return self.guid or CUSTOM_DEFINITIONS[self.key].name

    def parameters_json(self, effect: str | None = None) -> str:
        """The assignment's `parameters`: the effect, always written (every definition
        here defaults to Audit or AuditIfNotExists)."""
        return json.dumps({"effect": {"value": effect or self.effect}}, sort_keys=True)


_BUILT_INS = "built-in-policies/policyDefinitions"
_AUDIT_DENY = ("Audit", "Deny", "Disabled")
_AINE = ("AuditIfNotExists", "Disabled")

POLICIES: Mapping[str, GuardrailPolicy] = {
    policy.key: policy
    for policy in (
        GuardrailPolicy(
            "storage-shared-key",
            "Storage accounts should prevent shared key access",
            "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "A storage account with shared key (account key and SAS) access on, or not set.",
            f"{_BUILT_INS}/Storage/StorageAccountAllowSharedKeyAccess_Audit.json",
        ),
        GuardrailPolicy(
            "acr-admin-user",
            "Container registries should have local admin account disabled.",
            "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "A container registry with its admin user (a shared password) on.",
            f"{_BUILT_INS}/Container Registry/ACR_AdminAccountDisabled_AuditDeny.json",
        ),
        GuardrailPolicy(
            "acr-anonymous-pull",
            "Container registries should have anonymous authentication disabled.",
            "9f2dea28-e834-476c-99c5-3507b4728395",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "A container registry that anyone can pull from without signing in.",
            f"{_BUILT_INS}/Container Registry/ACR_AnonymousPullDisabled_AuditDeny.json",
        ),
        GuardrailPolicy(
            "acr-repository-token",
            "Container registries should have repository scoped access token disabled.",
            "ff05e24e-195c-447e-b322-5e90c9f9f366",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "A repository-scoped access token (a registry username and password) that is not "
            "disabled.",
            f"{_BUILT_INS}/Container Registry/ACR_TokenDisabled_AuditDeny.json",
        ),
        GuardrailPolicy(
            "cosmos-local-auth",
            "Cosmos DB database accounts should have local authentication methods disabled",
            "5450f5bd-9c72-4390-a9c4-a7aba4edfdd2",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "A Cosmos DB (NoSQL) account whose account keys work (local authentication not "
            "disabled). Mongo, Cassandra, Table and Gremlin accounts are outside it.",
            f"{_BUILT_INS}/Cosmos DB/Cosmos_DisableLocalAuth_AuditDeny.json",
        ),
        GuardrailPolicy(
            "sql-entra-only-create",
            "Azure SQL logical servers should have Microsoft Entra-only authentication enabled "
            "during creation",
            "abda6d70-9778-44e7-84a8-06713e6db027",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "A SQL server written without Entra-only authentication (SQL logins with "
            "passwords), checked on every PUT of the server.",
            f"{_BUILT_INS}/SQL/SqlServer_ADOnlyEnabled_Audit.json",
        ),
        GuardrailPolicy(
            "sql-entra-only-update",
            "Azure SQL Database should have Microsoft Entra-only authentication enabled",
            "b3a22bc9-66de-45fb-98fa-00f5df42f41a",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "Entra-only authentication turned off on an existing SQL server (a PUT of its "
            "azureADOnlyAuthentications setting with false).",
            f"{_BUILT_INS}/SQL/SqlServer_ADOnlyEnabled_DisableADAuth_Deny.json",
        ),
        GuardrailPolicy(
            "key-vault-rbac",
            "Azure Key Vault should use RBAC permission model",
            "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "A Key Vault on access policies instead of Azure RBAC, or without the setting.",
            f"{_BUILT_INS}/Key Vault/Should_Use_RBAC.json",
        ),
        GuardrailPolicy(
            "app-basic-auth-deny",
            "App Service apps and slots should not allow basic authentication for FTP or SCM "
            "publishing (azure-identity-kit)",
            None,
            "Deny",
            _AUDIT_DENY,
            "Audit",
            "Turning on FTP or SCM (Web Deploy) basic authentication of a web or function app "
            "or slot. No built-in can deny it; this is the kit's definition on the same alias.",
            "custom",
        ),
        GuardrailPolicy(
            "app-ftp-basic-auth-audit",
            "App Service apps should have local authentication methods disabled for FTP "
            "deployments",
            "871b205b-57cf-4e1e-a234-492616998bf7",
            "AuditIfNotExists",
            _AINE,
            "AuditIfNotExists",
            "Reports apps whose FTP basic authentication is on (also those created with it "
            "on, which no request turns on and so nothing denies).",
            f"{_BUILT_INS}/App Service/FTP_BasicAuthEnabled_AINE.json",
        ),
        GuardrailPolicy(
            "app-scm-basic-auth-audit",
            "App Service apps should have local authentication methods disabled for SCM site "
            "deployments",
            "aede300b-d67f-480a-ae26-4b3dfb1a1fdc",
            "AuditIfNotExists",
            _AINE,
            "AuditIfNotExists",
            "Reports apps whose SCM (Web Deploy) basic authentication is on.",
            f"{_BUILT_INS}/App Service/SCM_BasicAuthEnabled_AINE.json",
        ),
        GuardrailPolicy(
            "slot-ftp-basic-auth-audit",
            "App Service app slots should have local authentication methods disabled for FTP "
            "deployments",
            "ec71c0bc-6a45-4b1f-9587-80dc83e6898c",
            "AuditIfNotExists",
            _AINE,
            "AuditIfNotExists",
            "Reports slots whose FTP basic authentication is on.",
            f"{_BUILT_INS}/App Service/Slots_FTP_BasicAuthEnabled_AINE.json",
        ),
        GuardrailPolicy(
            "slot-scm-basic-auth-audit",
            "App Service app slots should have local authentication methods disabled for SCM "
            "site deployments",
            "847ef871-e2fe-4e6e-907e-4adbf71de5cf",
            "AuditIfNotExists",
            _AINE,
            "AuditIfNotExists",
            "Reports slots whose SCM (Web Deploy) basic authentication is on.",
            f"{_BUILT_INS}/App Service/Slots_SCM_BasicAuthEnabled_AINE.json",
        ),
    )
}
"""Every policy the guardrails assign, by key, in the docs/policy.md table's order."""

BUILT_IN_IDS: Mapping[str, str] = {
    policy.guid: policy.key for policy in POLICIES.values() if policy.guid is not None
}
"""Built-in GUID (lower case) -> key."""


@dataclass(frozen=True)
class CustomPolicyDefinition:
    """A definition the kit writes itself (`azurerm_policy_definition`), where no
    built-in can deny what the kit keeps closed."""

    name: str
    """Its name in the subscription (part of its ID)."""
    display_name: str
    description: str
    mode: str
    parameters: Mapping[str, object]
    policy_rule: Mapping[str, object]
    metadata: Mapping[str, str] = field(default_factory=dict)

    def allowed_effects(self) -> tuple[str, ...]:
        effect = self.parameters["effect"]
        assert isinstance(effect, Mapping)
        return tuple(effect["allowedValues"])

    def aliases(self) -> set[str]:
        """Every alias its rule reads (not `type`)."""
        return {
            str(leaf["field"])
            for leaf in _leaves(self.policy_rule["if"])
            if "field" in leaf and str(leaf["field"]).lower() != "type"
        }


def _leaves(node: object) -> Iterable[Mapping[str, object]]:
    if isinstance(node, Mapping):
        if "field" in node or "value" in node:
            yield node
        for child in node.values():
            yield from _leaves(child)
    elif isinstance(node, list):
        for child in node:
            yield from _leaves(child)


_SITE_POLICY = "Microsoft.Web/sites/basicPublishingCredentialsPolicies"
_SLOT_POLICY = "Microsoft.Web/sites/slots/basicPublishingCredentialsPolicies"

CUSTOM_DEFINITIONS: Mapping[str, CustomPolicyDefinition] = {
    "app-basic-auth-deny": CustomPolicyDefinition(
        name="azure-identity-kit-deny-basic-publishing-auth",
        display_name=POLICIES["app-basic-auth-deny"].display_name,
        description=(
            "Refuses a request that turns on basic (username and password) authentication for "
            "FTP or SCM (Web Deploy) publishing of an App Service or Functions app or slot. "
            "Microsoft's built-ins on this setting can only audit it (AuditIfNotExists) or "
            "change it afterwards (DeployIfNotExists); this definition uses the same aliases "
            "with Deny. A site created without the setting keeps basic authentication on "
            "without a request to refuse: the built-in audits report it."
        ),
        mode="All",  # the policies are child (proxy) resources of a site
        parameters={
            "effect": {
                "type": "String",
                "metadata": {
                    "displayName": "Effect",
                    "description": "Deny refuses the request; Audit reports it.",
                },
                "allowedValues": list(_AUDIT_DENY),
                "defaultValue": "Audit",
            }
        },
        policy_rule={
            "if": {
                "anyOf": [
                    {
                        "allOf": [
                            {"field": "type", "equals": _SITE_POLICY},
                            {"field": f"{_SITE_POLICY}/allow", "notEquals": "false"},
                        ]
                    },
                    {
                        "allOf": [
                            {"field": "type", "equals": _SLOT_POLICY},
                            {"field": f"{_SLOT_POLICY}/allow", "notEquals": "false"},
                        ]
                    },
                ]
            },
            "then": {"effect": "[parameters('effect')]"},
        },
        metadata={"category": "App Service", "version": "1.0.0", "source": "azure-identity-kit"},
    )
}
"""The kit's own definitions, by the key of the policy they implement."""


@dataclass(frozen=True)
class ExemptedResource:
    """One resource an exemption takes out of one policy."""

    policy: str
    """The policy's key (POLICIES)."""
    resource: str
    """`<Namespace>/<type>/<name>`, inside the assignment's resource group; its child
    resources are exempt with it."""

    def covers(self, policy: str, resource: str | None) -> bool:
        if policy != self.policy or resource is None:
            return False
        mine, theirs = self.resource.strip("/").lower(), resource.strip("/").lower()
        return theirs == mine or theirs.startswith(f"{mine}/")


@dataclass(frozen=True)
class AssignedGuardrails:
    """What is assigned to a stack's scope: the guard refuses (or, not enforced,
    reports) what these policies would deny there."""

    policies: frozenset[str] = frozenset(POLICIES)
    """Keys of the assigned policies. Default: all of them."""
    enforce: bool = True
    """False: DoNotEnforce (Azure reports, refuses nothing). Default: True."""
    exemptions: tuple[ExemptedResource, ...] = ()
    """Resources taken out of a policy (PolicyExemption). Default: none."""
    effects: Mapping[str, str] = field(default_factory=dict)
    """Effect per key where it is not the catalog's. Default: the catalog's."""

    def effect_of(self, key: str) -> str:
        return self.effects.get(key, POLICIES[key].effect)

    def refuses(self, key: str) -> bool:
        """Whether Azure refuses (not just reports) a request breaching `key`."""
        return self.enforce and self.effect_of(key).lower() == "deny"

    def exempts(self, key: str, resource: str | None) -> bool:
        return any(exemption.covers(key, resource) for exemption in self.exemptions)
