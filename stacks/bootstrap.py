"""The `bootstrap` stack: what must exist before any pipeline can deploy, applied
once by an administrator (Owner or User Access Administrator + Contributor on
the subscription) with their own Azure CLI login.

It creates
- the Terraform state: a storage account (shared keys off, blob versioning on)
  and a private blob container, in the resource group `rg-<workload>-deploy`;
- `id-<workload>-deploy`, the deployment identity of the GitHub workflows, with a
  federated credential per environment (subject `repo:<owner>/<repo>:environment:<env>`,
  so a GitHub environment's protection rules gate the credential itself);
- `id-<workload>-plan`, the identity of pull-request plans (subject
  `repo:<owner>/<repo>:pull_request`), which can only touch the plan environment;
- their role assignments, all through the kit's grant core:
  - deploy: Contributor on each environment's resource group; Role Based Access
    Control Administrator there, constrained by an ABAC condition to assigning
    and removing only the roles the product uses, and only to service principals
    (so the pipeline cannot make anyone Owner, nor grant a user or group);
    Storage Blob Data Contributor on the state container;
  - plan: Contributor on the plan environment's resource group (reading a
    container app, a workspace or a storage account calls list actions that
    Reader lacks) and Storage Blob Data Reader on the state container (plans run
    with `-lock=false`);
- the secret-free Azure Policy guardrails on each environment's resource group
  (SecretFreeGuardrails, docs/policy.md): Deny assignments of
  the built-in definitions for every credential path the kit closes, the kit's
  custom definition for App Service basic authentication (once per subscription),
  and each environment's exemptions. Here, because neither pipeline identity can
  write or delete a policy assignment or exemption (tests/policy prove it from the
  role definitions), so a pipeline cannot undo them.

What Contributor covers beyond ARM role assignments (checked for issue 13, no
role added): Cosmos DB SQL role assignments
(`Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments/write`) are ARM writes
on the account, not Azure role assignments, so Contributor on the environment's
group allows them and the ABAC condition does not govern them (the pipeline may
write any Cosmos data role assignment, in that group's accounts only). The SQL
server, its Entra admin setting, databases, firewall rules and audit settings
are `Microsoft.Sql/*` / diagnostic-setting writes, also within Contributor.
Creating database *users* is T-SQL: the deploy identity must be a member of the
server's Entra admin group (an Entra change made once by an administrator, see
docs/constructs/sql.md).

The environment resource groups are *not* created here: an administrator creates
them first (`az group create`, docs/first-deploy.md), the bootstrap reads them with
a data source (so a missing one fails the bootstrap plan with a clear
"not found") and each environment stack adopts its group with an `import` block
(stacks/backend.py). A role assignment needs its scope to exist, and the pipeline
may not create resource groups (a subscription-wide right); this way each group
has exactly one owner in Terraform, the environment stack.

The bootstrap keeps its own state in a local file (`terraform.bootstrap.tfstate`
in the project root): the storage account it would live in is created here.
Keep that file safe, or move it into the new container afterwards.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from azure_identity_kit import (
    CustomPolicyDefinitions,
    GrantTarget,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    PolicyExemption,
    PolicyExemptionProps,
    PolicyScope,
    SecretFreeGuardrails,
    SecretFreeGuardrailsProps,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit._cdktf import (
    Construct,
    LocalBackend,
    TerraformOutput,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
)
from azure_identity_kit.azurerm import (
    data_azurerm_client_config,
    data_azurerm_resource_group,
    federated_credential_identity,
    federated_identity_credential,
    resource_group,
)
from azure_identity_kit.errors import KitValidationError
from azure_identity_kit.guard import suppress
from pydantic import ConfigDict

from .auth import azurerm_provider, resolve_auth
from .backend import STATE_ENV
from .config import EnvironmentConfig

STACK_NAME = "bootstrap"
GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_AUDIENCE = "api://AzureADTokenExchange"

CONTRIBUTOR = "Contributor"
RBAC_ADMINISTRATOR = "Role Based Access Control Administrator"
STATE_WRITER = "Storage Blob Data Contributor"
STATE_READER = "Storage Blob Data Reader"

# Every role the environment stacks assign (built-in role definition GUIDs, the
# same in every tenant). The pipeline may assign these and no others.
PRODUCT_ROLES: Mapping[str, str] = {
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Queue Data Reader": "19e7f393-937e-4f77-808e-94535e297925",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    # Only for FunctionTrigger.BLOB, on the one host storage account: Microsoft
    # documents it for the blob trigger's host connection. A control-plane role
    # (it can list keys and re-enable shared keys), so it stays scoped to that account.
    "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Virtual Machine User Login": "fb879df8-f326-4884-b1cf-06f3ad86be52",
}
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True, kw_only=True)
class BootstrapConfig:
    """The bootstrap's settings: environments.toml [bootstrap], with `workload` and
    `location` from [defaults] unless set there. Fields without a default are your
    organisation's."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    workload: str
    github_repository: str
    """`owner/repo` whose workflows may sign in (federated credentials)."""
    state_storage_account: str
    """Globally unique in Azure. Env: IDKIT_STATE_STORAGE_ACCOUNT wins."""
    location: str = "westeurope"
    resource_group_name: str | None = None
    """Group of the state account and the pipeline identities. Default:
    `rg-<workload>-deploy`. Env: IDKIT_STATE_RESOURCE_GROUP wins."""
    state_container: str = "tfstate"
    """Env: IDKIT_STATE_CONTAINER."""
    state_replication: str = "ZRS"
    plan_environment: str | None = "dev"
    """Environment that pull requests plan against; None: no pull-request credential."""
    delegable_roles: Mapping[str, str] = field(default_factory=lambda: dict(PRODUCT_ROLES))
    """Roles the pipeline may assign (name -> role definition GUID)."""
    delegable_principal_types: tuple[str, ...] = ("ServicePrincipal",)
    """Principal types the pipeline may assign them to. Add 'Group' if an environment
    grants Entra groups (e.g. VM sign-in through EntraLogin)."""
    tags: Mapping[str, str] = field(default_factory=lambda: {"purpose": "deployment"})

    @property
    def state_resource_group(self) -> str:
        return self.resource_group_name or f"rg-{self.workload}-deploy"

    @property
    def deploy_identity_name(self) -> str:
        return f"id-{self.workload}-deploy"

    @property
    def plan_identity_name(self) -> str:
        return f"id-{self.workload}-plan"

    def with_state_env(self, environ: Mapping[str, str] | None = None) -> BootstrapConfig:
        """These settings with the IDKIT_STATE_* variables applied, so the bootstrap
        creates the very names the environments' backends use."""
        env = os.environ if environ is None else environ
        names = {
            "resource_group_name": STATE_ENV["resource_group_name"],
            "state_storage_account": STATE_ENV["storage_account_name"],
            "state_container": STATE_ENV["container_name"],
        }
        overrides = {
            key: env[var].strip() for key, var in names.items() if env.get(var, "").strip()
        }
        return replace(self, **overrides)


def delegation_condition(role_ids: Iterable[str], principal_types: Iterable[str]) -> str:
    """Azure's "constrain roles and principal types" condition for delegated role
    assignment management: writes and deletes of role assignments are allowed
    only for these roles and principal types (version 2.0 syntax)."""
    guids = ", ".join(sorted(guid.lower() for guid in role_ids))
    types = ", ".join(f"'{kind}'" for kind in principal_types)
    checks = []
    for action, source in (("write", "@Request"), ("delete", "@Resource")):
        checks.append(
            f"((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/{action}'}})) OR "
            f"({source}[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
            f"ForAnyOfAnyValues:GuidEquals {{{guids}}} AND "
            f"{source}[Microsoft.Authorization/roleAssignments:PrincipalType] "
            f"ForAnyOfAnyValues:StringEqualsIgnoreCase {{{types}}}))"
        )
    return " AND ".join(checks)


def github_subject(repository: str, *, environment: str | None = None) -> str:
    """The `sub` claim of a GitHub Actions OIDC token: a job in a GitHub environment,
    or (environment=None) a pull_request-triggered job."""
    if environment is None:
        return f"repo:{repository}:pull_request"
    return f"repo:{repository}:environment:{environment}"


class BootstrapStack(TerraformStack):
    def __init__(
        self,
        scope: Construct,
        config: BootstrapConfig,
        environments: Iterable[EnvironmentConfig],
    ) -> None:
        environments = list(environments)
        _validate(config, environments)
        super().__init__(scope, STACK_NAME)
        self.config = config
        # Local on purpose: the storage account that will hold the other states is
        # created by this stack. Relative path, as for the environment stacks.
        LocalBackend(self, path=f"../../../terraform.{STACK_NAME}.tfstate")
        auth = resolve_auth(path=STACK_NAME)
        # The administrator registers the resource providers the product uses; the
        # pipeline identity cannot (it holds no subscription-wide rights).
        azurerm_provider(self, auth, register_resource_providers=True)
        client = data_azurerm_client_config.DataAzurermClientConfig(self, "current")
        tags = dict(config.tags)

        group = resource_group.ResourceGroup(
            self,
            "resource-group",
            name=config.state_resource_group,
            location=config.location,
            tags=tags,
        )
        state = IdentityOnlyStorage(
            self,
            "state",
            IdentityOnlyStorageProps(
                name=config.state_storage_account,
                resource_group_name=group.name,
                location=config.location,
                replication_type=config.state_replication,
                blob_versioning=True,
                tags=tags,
            ),
        )
        state_container = state.add_container(config.state_container)

        self.deploy_identity = self._identity("deploy-identity", config.deploy_identity_name, group)
        self.federated_credentials = _federate(
            self.deploy_identity,
            config,
            {
                f"github-{env.name}": github_subject(
                    config.github_repository, environment=env.github_environment or env.name
                )
                for env in environments
            },
        )
        self.deploy_identity.grant(
            STATE_WRITER,
            state_container,
            description="Terraform state (read, write, lock) of every environment, for the "
            "GitHub deployment workflow",
        )

        condition = delegation_condition(
            config.delegable_roles.values(), config.delegable_principal_types
        )
        self.environment_groups: dict[str, GrantTarget] = {}
        self.guardrails: dict[str, SecretFreeGuardrails] = {}
        definitions: CustomPolicyDefinitions | None = None
        for env in environments:
            existing = data_azurerm_resource_group.DataAzurermResourceGroup(
                self, f"resource-group-{env.name}", name=env.resource_name("rg")
            )
            group_id = existing.id  # a jsii read: once
            target = GrantTarget(name=f"rg-{env.name}", resource_id=group_id)
            self.environment_groups[env.name] = target
            contributor = self.deploy_identity.grant(
                CONTRIBUTOR,
                target,
                description=f"Deploys the {env.name} environment (GitHub workflow, "
                f"environment '{env.name}')",
            )
            suppress(
                contributor.role_assignment,
                "rbac-privileged-role",
                "The deployment pipeline creates and updates every resource of this one "
                "environment resource group; it holds no rights outside it.",
            )
            delegated = self.deploy_identity.grant(
                RBAC_ADMINISTRATOR,
                target,
                description=f"Assigns only the product's data and pull roles to service "
                f"principals in {env.name} (ABAC condition)",
                condition=condition,
            )
            suppress(
                delegated.role_assignment,
                "rbac-privileged-role",
                "The pipeline creates the workloads' role assignments. Its ABAC condition "
                "allows assigning and removing only the product's data and pull roles, only "
                "to service principals: never Owner, Contributor or any admin role.",
            )
            if env.guardrails:
                if definitions is None:  # one set per subscription
                    definitions = CustomPolicyDefinitions(self, "policy-definitions")
                self.guardrails[env.name] = _guard(self, env, group_id, definitions)

        self.plan_identity: UserAssignedIdentity | None = None
        if config.plan_environment is not None:
            self.plan_identity = self._identity("plan-identity", config.plan_identity_name, group)
            self.federated_credentials += _federate(
                self.plan_identity,
                config,
                {"github-pull-request": github_subject(config.github_repository)},
            )
            planned = self.plan_identity.grant(
                CONTRIBUTOR,
                self.environment_groups[config.plan_environment],
                description=f"Plans pull requests against {config.plan_environment} "
                "(refresh reads need list actions that Reader lacks)",
            )
            suppress(
                planned.role_assignment,
                "rbac-privileged-role",
                "Pull-request plans refresh container apps, workspaces and storage accounts, "
                "which call list actions Reader lacks; the scope is only the plan "
                "environment's resource group, never staging or prod.",
            )
            self.plan_identity.grant(
                STATE_READER,
                state_container,
                description="Reads Terraform state for pull-request plans (run with -lock=false)",
            )

        for resource in (group, state.resource, self.deploy_identity.resource):
            resource.lifecycle = TerraformResourceLifecycle(prevent_destroy=True)

        # What docs/first-deploy.md sets as GitHub repository variables.
        outputs = {
            "AZURE_CLIENT_ID": self.deploy_identity.client_id,
            "AZURE_TENANT_ID": client.tenant_id,
            "AZURE_SUBSCRIPTION_ID": client.subscription_id,
            "IDKIT_STATE_STORAGE_ACCOUNT": state.resource.name,
            "IDKIT_STATE_CONTAINER": config.state_container,
            "IDKIT_STATE_RESOURCE_GROUP": group.name,
        }
        if self.plan_identity is not None:
            outputs["AZURE_PLAN_CLIENT_ID"] = self.plan_identity.client_id
        for name, value in outputs.items():
            TerraformOutput(
                self, name.lower(), value=value, description=f"GitHub repository variable {name}"
            )
        # Principal IDs (object IDs) for role assignments made outside this stack.
        TerraformOutput(
            self, "deploy_identity_principal_id", value=self.deploy_identity.principal_id
        )
        if self.plan_identity is not None:
            TerraformOutput(
                self, "plan_identity_principal_id", value=self.plan_identity.principal_id
            )

    def _identity(
        self, construct_id: str, name: str, group: resource_group.ResourceGroup
    ) -> UserAssignedIdentity:
        return UserAssignedIdentity(
            self,
            construct_id,
            UserAssignedIdentityProps(
                name=name,
                resource_group_name=group.name,
                location=self.config.location,
                tags=dict(self.config.tags),
            ),
        )


def _guard(
    stack: TerraformStack,
    env: EnvironmentConfig,
    group_id: str,
    definitions: CustomPolicyDefinitions,
) -> SecretFreeGuardrails:
    """The secret-free policies on one environment's group, and its exemptions. Made
    here, by the administrator: the deploy identity holds no right to write or delete
    policy assignments or exemptions (Contributor excludes Microsoft.Authorization
    writes and deletes; its RBAC administrator role only writes role assignments)."""
    guardrails = SecretFreeGuardrails(
        stack,
        f"guardrails-{env.name}",
        SecretFreeGuardrailsProps(
            scope=PolicyScope.resource_group(group_id),
            definitions=definitions,
            enforce=env.guardrails_enforce,
            label=env.name,
        ),
    )
    for setting in env.policy_exemptions:
        PolicyExemption(
            guardrails,
            f"exemption-{setting.policy}-{setting.resource.rsplit('/', 1)[-1]}",
            PolicyExemptionProps(
                guardrails=guardrails,
                policy=setting.policy,
                resource_id=f"{group_id}/providers/{setting.resource}",
                reason=setting.reason,
                expires_on=setting.expires_on,
                category=setting.category,
            ),
        )
    return guardrails


def _federate(
    identity: UserAssignedIdentity, config: BootstrapConfig, subjects: Mapping[str, str]
) -> list[TerraformResource]:
    """One federated credential per subject. Azure refuses concurrent credential
    writes on one identity, so each waits for the previous one."""
    created: list[TerraformResource] = []
    for name, subject in subjects.items():
        credential = federated_identity_credential.FederatedIdentityCredential(
            identity,
            name,
            name=name,
            **federated_credential_identity(identity.resource_id, config.state_resource_group),
            issuer=GITHUB_OIDC_ISSUER,
            audience=[GITHUB_OIDC_AUDIENCE],
            subject=subject,
            depends_on=created[-1:] or None,
        )
        created.append(credential)
    return created


def _validate(config: BootstrapConfig, environments: list[EnvironmentConfig]) -> None:
    if not _REPOSITORY.match(config.github_repository):
        raise KitValidationError(
            STACK_NAME,
            "bootstrap-github-repository",
            f"'{config.github_repository}' is not a GitHub repository name.",
            "Set github_repository in environments.toml [bootstrap] to '<owner>/<repo>'.",
        )
    names = [env.name for env in environments]
    if not names:
        raise KitValidationError(
            STACK_NAME,
            "bootstrap-environments",
            "The bootstrap has no environment to give the pipeline access to.",
            "Define environments in environments.toml ([environments.<name>]).",
        )
    if config.plan_environment is not None and config.plan_environment not in names:
        raise KitValidationError(
            STACK_NAME,
            "bootstrap-plan-environment",
            f"Pull requests would plan against '{config.plan_environment}', which is not one "
            f"of the environments ({', '.join(names)}).",
            "Set plan_environment to one of them, or None for no pull-request credential.",
        )
    unknown = sorted(set(config.delegable_principal_types) - {"ServicePrincipal", "Group", "User"})
    if unknown or not config.delegable_roles:
        raise KitValidationError(
            STACK_NAME,
            "bootstrap-delegation",
            "The pipeline's role delegation needs at least one role and only the principal "
            "types ServicePrincipal, Group or User "
            f"(got {list(config.delegable_principal_types)}).",
            "Keep delegable_roles non-empty and delegable_principal_types within those three.",
        )
