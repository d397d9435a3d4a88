"""Resource-owned grant verbs, Cosmos DB data-plane grants and Entra-only Azure SQL."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from azure_identity_kit import (
    EntraGroup,
    EntraOnlySqlServer,
    EntraOnlySqlServerProps,
    GrantTarget,
    IdentityOnlyCosmosAccount,
    IdentityOnlyCosmosAccountProps,
    IdentityOnlyRegistry,
    IdentityOnlyRegistryProps,
    IdentityOnlyStorage,
    IdentityOnlyStorageProps,
    KitValidationError,
    RbacKeyVault,
    RbacKeyVaultProps,
    SystemAssignedIdentity,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
)
from azure_identity_kit._cdktf import App, Construct, TerraformStack
from azure_identity_kit.azurerm import COSMOS_LOCAL_AUTH_OFF, provider, resource_group
from support import new_stack, only, ref, resources, synth

CSRA = "azurerm_cosmosdb_sql_role_assignment"
RA = "azurerm_role_assignment"
GROUP = EntraGroup(label="sg-data-readers", object_id="11111111-2222-3333-4444-555555555555")
ADMINS = EntraGroup(label="sg-sql-admins", object_id="aaaaaaaa-2222-3333-4444-555555555555")


def _identity(stack, construct_id="api-identity", name="id-api-dev"):
    return UserAssignedIdentity(
        stack,
        construct_id,
        UserAssignedIdentityProps(name=name, resource_group_name="rg", location="westeurope"),
    )


def _cosmos(stack, **props):
    return IdentityOnlyCosmosAccount(
        stack,
        "cosmos",
        IdentityOnlyCosmosAccountProps(
            name="cosmos-app-dev", resource_group_name="rg", location="westeurope", **props
        ),
    )


def _storage(stack):
    return IdentityOnlyStorage(
        stack,
        "storage",
        IdentityOnlyStorageProps(name="stapp", resource_group_name="rg", location="westeurope"),
    )


def _sql(stack, **props):
    return EntraOnlySqlServer(
        stack,
        "sql",
        EntraOnlySqlServerProps(
            name="sql-app-dev",
            resource_group_name="rg",
            location="westeurope",
            administrators=ADMINS,
            **props,
        ),
    )


def _system_identity(stack, owner_id="owner"):
    owner = resource_group.ResourceGroup(stack, owner_id, name="rg-owner", location="westeurope")
    return SystemAssignedIdentity(owner, "${azurerm_x.owner.identity[0].principal_id}")


# --- verbs on existing resources -------------------------------------------------


def test_verbs_write_the_same_assignment_as_grant_so_migration_replaces_nothing():
    by_verb, by_grant = new_stack(), new_stack()
    for stack, use_verbs in ((by_verb, True), (by_grant, False)):
        identity = _identity(stack)
        storage = _storage(stack)
        container = storage.add_container("data")
        vault = RbacKeyVault(
            stack,
            "vault",
            RbacKeyVaultProps(
                name="kv-app",
                resource_group_name="rg",
                location="westeurope",
                tenant_id="cccccccc-0000-4000-8000-000000000003",
            ),
        )
        if use_verbs:
            storage.grant_blob_read(identity, container="data")
            vault.grant_secrets_read(identity)
        else:
            identity.grant("Storage Blob Data Reader", container)
            identity.grant("Key Vault Secrets User", vault.target)
    assert synth(by_verb) == synth(by_grant)


def test_verbs_return_grant_handles_for_identities_groups_and_system_identities():
    stack = new_stack()
    registry = IdentityOnlyRegistry(
        stack,
        "registry",
        IdentityOnlyRegistryProps(name="crapp", resource_group_name="rg", location="westeurope"),
    )
    storage = _storage(stack)
    storage.add_container("results")
    identity, system = _identity(stack), _system_identity(stack)
    pull = registry.grant_pull(identity)
    group = storage.grant_blob_read(GROUP, container="results")
    own = storage.grant_blob_write(system)
    consumer = resource_group.ResourceGroup(stack, "consumer", name="rg-c", location="westeurope")
    pull.apply_before(consumer)
    doc = synth(stack)
    assignments = resources(doc, RA)
    pull_ra = assignments[pull.role_assignment.friendly_unique_id]
    assert pull.role_assignment.node.path == "test/api-identity/grant-acrpull-on-registry"
    assert pull_ra["role_definition_name"] == "AcrPull"
    assert pull_ra["scope"].startswith("${azurerm_container_registry.registry_")
    assert group.role_assignment.node.path == (
        "test/storage/grant-sg-data-readers-storage-blob-data-reader-on-storage-results"
    )
    group_ra = assignments[group.role_assignment.friendly_unique_id]
    assert group_ra["principal_type"] == "Group" and group_ra["principal_id"] == GROUP.object_id
    assert own.role_assignment.node.path == (
        "test/owner/system-identity-grant-storage-blob-data-contributor-on-storage"
    )
    system_ra = assignments[own.role_assignment.friendly_unique_id]
    assert system_ra["principal_type"] == "ServicePrincipal"
    assert system_ra["scope"].startswith("${azurerm_storage_account.storage_account_")
    assert group.role == "Storage Blob Data Reader" and own.role == "Storage Blob Data Contributor"
    depends = resources(doc, "azurerm_resource_group")["consumer"]["depends_on"]
    assert depends == [f"{RA}.{pull.role_assignment.friendly_unique_id}"]


def test_blob_verb_refuses_an_unknown_container():
    stack = new_stack()
    storage = _storage(stack)
    with pytest.raises(KitValidationError) as error:
        storage.grant_blob_read(_identity(stack), container="nope")
    assert error.value.rule_id == "storage-container-unknown"
    assert error.value.path == "test/storage"


def test_verbs_refuse_something_that_is_no_grantee():
    stack = new_stack()
    storage = _storage(stack)
    with pytest.raises(KitValidationError) as error:
        storage.grant_blob_read(object())
    assert error.value.rule_id == "grant-grantee"


# --- Cosmos DB ---------------------------------------------------------------------


def test_cosmos_account_snapshot(snapshot_json):
    stack = new_stack()
    cosmos = _cosmos(stack, public_network_access_enabled=False)
    database = cosmos.add_database("app")
    items = cosmos.add_container(database, "items", partition_key_path="/tenantId")
    identity = _identity(stack)
    cosmos.grant_data_read(identity, scope=items)
    cosmos.grant_data_write(identity, scope=database)
    cosmos.grant_data_read(GROUP)
    assert synth(stack) == snapshot_json


def test_cosmos_account_is_identity_only():
    stack = new_stack()
    _cosmos(stack)
    _, account = only(synth(stack), "azurerm_cosmosdb_account")
    for field, value in COSMOS_LOCAL_AUTH_OFF.items():  # azurerm 4 and 5 name it differently
        assert account[field] is value
    assert account["access_key_metadata_writes_enabled"] is False
    assert account["kind"] == "GlobalDocumentDB" and account["minimal_tls_version"] == "Tls12"


@pytest.mark.parametrize(
    ("verb", "guid"),
    [("grant_data_read", "00000000-0000-0000-0000-000000000001"),
     ("grant_data_write", "00000000-0000-0000-0000-000000000002")],
)  # fmt: skip
@pytest.mark.parametrize("level", ["account", "database", "container"])
def test_cosmos_grant_role_definition_and_scope_formats(verb, guid, level):
    stack = new_stack()
    cosmos = _cosmos(stack)
    database = cosmos.add_database("app")
    items = cosmos.add_container(database, "items")
    scope = {"account": None, "database": database, "container": items}[level]
    grant = getattr(cosmos, verb)(_identity(stack), scope=scope)
    doc = synth(stack)
    _, assignment = only(doc, CSRA)
    account_id = ref("azurerm_cosmosdb_account", "cosmos_account_D83EF4EB", "id")
    db_name = ref("azurerm_cosmosdb_sql_database", "cosmos_database-app_2E0C0FD8", "name")
    coll = ref("azurerm_cosmosdb_sql_container", "cosmos_container-app-items_2C2F1619", "name")
    assert assignment["role_definition_id"] == f"{account_id}/sqlRoleDefinitions/{guid}"
    assert (
        assignment["scope"]
        == {
            "account": account_id,
            "database": f"{account_id}/dbs/{db_name}",
            "container": f"{account_id}/dbs/{db_name}/colls/{coll}",
        }[level]
    )
    assert assignment["principal_id"] == ref(
        "azurerm_user_assigned_identity", "api-identity_7DF6D1C3", "principal_id"
    )
    assert assignment["account_name"] == ref(
        "azurerm_cosmosdb_account", "cosmos_account_D83EF4EB", "name"
    )
    assert grant.role_assignment.terraform_resource_type == CSRA
    assert resources(doc, RA) == {}, "no Azure RBAC assignment for a Cosmos data role"


def test_cosmos_grant_ids_are_stable_and_duplicates_refused():
    stack = new_stack()
    cosmos = _cosmos(stack)
    items = cosmos.add_container(cosmos.add_database("app"), "items")
    identity = _identity(stack)
    first = cosmos.grant_data_read(identity, scope=items)
    assert first.role_assignment.node.path == (
        "test/api-identity/grant-cosmos-db-built-in-data-reader-on-cosmos-app-items"
    )
    cosmos.grant_data_write(identity, scope=items)  # another role: allowed
    with pytest.raises(KitValidationError) as error:
        cosmos.grant_data_read(identity, scope=items)
    assert error.value.rule_id == "duplicate-grant"
    assert identity.grants[0] is first and len(identity.grants) == 2


def test_cosmos_grant_to_a_workload_orders_it_after_the_grant():
    from azure_identity_kit import (
        ContainerAppWithIdentity,
        ContainerAppWithIdentityProps,
        ContainerSpec,
    )

    stack = new_stack()
    cosmos = _cosmos(stack)
    app = ContainerAppWithIdentity(
        stack,
        "api",
        ContainerAppWithIdentityProps(
            name="ca-api-dev",
            resource_group_name="rg",
            location="westeurope",
            container_app_environment_id="/subscriptions/s/resourceGroups/rg/providers/"
            "Microsoft.App/managedEnvironments/cae",
            runtime_identity=_identity(stack),
            containers=[
                ContainerSpec(name="api", image="mcr.microsoft.com/k8se/quickstart:latest")
            ],
        ),
    )
    grant = cosmos.grant_data_read(app)
    _, container_app = only(synth(stack), "azurerm_container_app")
    assert f"{CSRA}.{grant.role_assignment.friendly_unique_id}" in container_app["depends_on"]


def test_arm_grant_of_a_cosmos_data_role_is_refused_and_points_to_the_verb():
    stack = new_stack()
    identity = _identity(stack)
    for role in ("Cosmos DB Built-in Data Contributor", "cosmos db built-in data reader"):
        with pytest.raises(KitValidationError) as error:
            identity.grant(role, GrantTarget("cosmos", "/subscriptions/s/x"))
        assert error.value.rule_id == "grant-cosmos-data-role"
        assert "grant_data_read" in error.value.fix


def test_cosmos_refusals():
    stack = new_stack()
    cosmos = _cosmos(stack)
    database = cosmos.add_database("app")
    other = IdentityOnlyCosmosAccount(
        stack,
        "other",
        IdentityOnlyCosmosAccountProps(
            name="cosmos-other-dev", resource_group_name="rg", location="westeurope"
        ),
    )
    cases = [
        (lambda: cosmos.add_database("app"), "cosmos-duplicate"),
        (lambda: cosmos.add_database("bad/name"), "name-cosmos-child"),
        (lambda: cosmos.add_container(database, "items", partition_key_path="id"),
         "cosmos-partition-key"),
        (lambda: other.add_container(database, "items"), "cosmos-foreign-database"),
        (lambda: other.grant_data_read(_identity(stack, "x", "id-x"), scope=database),
         "cosmos-foreign-database"),
    ]  # fmt: skip
    for build, rule in cases:
        with pytest.raises(KitValidationError) as error:
            build()
        assert error.value.rule_id == rule
    cosmos.add_container(database, "items")
    with pytest.raises(KitValidationError) as error:
        cosmos.add_container(database, "items")
    assert error.value.rule_id == "cosmos-duplicate"
    with pytest.raises(KitValidationError) as error:
        IdentityOnlyCosmosAccount(
            new_stack(),
            "c",
            IdentityOnlyCosmosAccountProps(
                name="Cosmos_Bad", resource_group_name="rg", location="westeurope"
            ),
        )
    assert error.value.rule_id == "name-cosmos-account"


# --- Azure SQL -----------------------------------------------------------------------


def test_sql_server_snapshot(snapshot_json):
    stack = new_stack()
    server = _sql(
        stack,
        public_network_access_enabled=False,
        audit_log_analytics_workspace_id="/subscriptions/s/resourceGroups/rg/providers/"
        "Microsoft.OperationalInsights/workspaces/log-app",
    )
    database = server.add_database("app")
    server.grant_database_role(_identity(stack), database)
    assert synth(stack) == snapshot_json


def test_sql_server_is_entra_only_without_any_password():
    stack = new_stack()
    _sql(stack, allow_azure_services=True).add_database("app")
    doc = synth(stack)
    _, server = only(doc, "azurerm_mssql_server")
    assert server["azuread_administrator"] == {
        "azuread_authentication_only": True,
        "login_username": ADMINS.label,
        "object_id": ADMINS.object_id,
    }
    assert server["minimum_tls_version"] == "1.2"
    assert server["identity"] == {"type": "SystemAssigned"}
    assert not [key for key in server if key.startswith("administrator_login")]
    assert "password" not in str(doc).lower()
    _, rule = only(doc, "azurerm_mssql_firewall_rule")
    assert rule["start_ip_address"] == rule["end_ip_address"] == "0.0.0.0"


def test_sql_script_is_idempotent_tsql_per_database_as_output_and_file(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "dev")
    provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
    server = _sql(stack)
    app_db, reports = server.add_database("app"), server.add_database("reports")
    server.grant_database_role(_identity(stack), app_db)
    server.grant_database_role(
        GROUP, app_db, roles=["db_datareader", "db_datawriter"]
    )  # added after the first: the file and output must follow
    server.grant_database_role(
        _identity(stack, "etl", "id-etl"), reports, roles=["db_datawriter"], user_name="o'brien]x"
    )
    app.synth()
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.grants.sql"))
    assert [f.rsplit("/", 1)[-1] for f in files] == [
        "sql-app-dev.app.grants.sql",
        "sql-app-dev.reports.grants.sql",
    ]
    assert all(f.startswith("stacks/dev/assets/") for f in files)
    text = (tmp_path / files[0]).read_text()
    assert text == server.script("app")
    doc = json.loads((tmp_path / "stacks" / "dev" / "cdk.tf.json").read_text())
    assert doc["output"]["sql_app_grants_sql"]["value"] == text
    assert (
        "IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'id-api-dev')\n"
        "    CREATE USER [id-api-dev] FROM EXTERNAL PROVIDER;"
    ) in text
    assert text.count("CREATE USER") == 2 and text.count("ALTER ROLE") == 3
    assert "ALTER ROLE [db_datawriter] ADD MEMBER [sg-data-readers];" in text
    other = (tmp_path / files[1]).read_text()
    # Quoting: ] doubled inside [...], ' doubled inside N'...'.
    assert "CREATE USER [o'brien]]x] FROM EXTERNAL PROVIDER;" in other
    assert "name = N'o''brien]x'" in other
    assert str(tmp_path) not in json.dumps(doc)


def test_sql_refusals():
    stack = new_stack()
    server = _sql(stack)
    database = server.add_database("app")
    identity = _identity(stack)
    server.grant_database_role(identity, database)
    other = EntraOnlySqlServer(
        stack,
        "other",
        EntraOnlySqlServerProps(
            name="sql-other-dev", resource_group_name="rg", location="westeurope",
            administrators=ADMINS,
        ),
    )  # fmt: skip
    cases = [
        (lambda: server.add_database("app"), "sql-duplicate-database"),
        (lambda: server.grant_database_role(identity, database), "sql-duplicate-grant"),
        (lambda: other.grant_database_role(identity, database), "sql-foreign-database"),
        (lambda: server.grant_database_role(_system_identity(stack), database),
         "sql-user-name"),
        (lambda: server.grant_database_role(GROUP, database, roles=["db_owner"]),
         "sql-database-role"),
        (lambda: server.grant_database_role(GROUP, database, roles=["x]; DROP USER y"]),
         "sql-database-role"),
        (lambda: server.grant_database_role(GROUP, database, roles=[]), "sql-database-role"),
    ]  # fmt: skip
    for build, rule in cases:
        with pytest.raises(KitValidationError) as error:
            build()
        assert error.value.rule_id == rule, build
    with pytest.raises(KitValidationError) as error:
        EntraOnlySqlServer(
            Construct(stack, "scope"),
            "sql",
            EntraOnlySqlServerProps(
                name="sql-x", resource_group_name="rg", location="westeurope",
                administrators=identity,  # type: ignore[arg-type]
            ),
        )  # fmt: skip
    assert error.value.rule_id == "sql-admin-group"
    # A system-assigned identity works with its name given explicitly.
    grant = server.grant_database_role(_system_identity(stack, "vm"), database, user_name="vm-ops")
    assert grant.user_name == "vm-ops" and grant.roles == ("db_datareader",)


# --- the deploy workflow's runner of the generated T-SQL ------------------------------

RUN_GRANTS = Path(__file__).resolve().parent.parent / "tools" / "sql" / "run-grants.sh"


def _fake_sqlcmd(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `sqlcmd` on PATH that records its arguments and the script it was given."""
    log = tmp_path / "calls.log"
    fake = tmp_path / "bin" / "sqlcmd"
    fake.parent.mkdir()
    fake.write_text(
        '#!/usr/bin/env bash\nprintf "%s\\n" "$*" >> "$FAKE_LOG"\n'
        'while [ $# -gt 0 ]; do [ "$1" = -i ] && cat "$2" >> "$FAKE_LOG.sql"; shift; done\n'
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "FAKE_LOG": str(log)}
    return env, log


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_run_grants_runs_each_stack_script_with_entra_auth(env_name, synth_outdir, tmp_path):
    env, log = _fake_sqlcmd(tmp_path)
    result = subprocess.run(
        ["bash", str(RUN_GRANTS), env_name, str(synth_outdir)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls == [
        f"-S tcp:sql-idkit-{env_name}.database.windows.net,1433 -d app "
        "--authentication-method ActiveDirectoryDefault -N true -b -i "
        + next(str(p) for p in (synth_outdir / "stacks" / env_name).rglob("*.grants.sql"))
    ]
    script = Path(f"{log}.sql").read_text()
    assert f"CREATE USER [id-idkit-api-{env_name}] FROM EXTERNAL PROVIDER;" in script
    assert f"ALTER ROLE [db_datareader] ADD MEMBER [id-idkit-api-{env_name}];" in script


def test_run_grants_without_scripts_or_stack(synth_outdir, tmp_path):
    env, log = _fake_sqlcmd(tmp_path)
    quiet = subprocess.run(
        ["bash", str(RUN_GRANTS), "bootstrap", str(synth_outdir)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert quiet.returncode == 0 and "no database grants" in quiet.stdout
    assert not log.exists()
    missing = subprocess.run(
        ["bash", str(RUN_GRANTS), "nope", str(synth_outdir)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and "synthesize" in missing.stderr


def test_stack_grant_scripts_match_the_outputs(synth_outdir):
    for env_name in ("dev", "staging", "prod"):
        folder = synth_outdir / "stacks" / env_name
        (script,) = folder.rglob("*.grants.sql")
        assert script.name == f"sql-idkit-{env_name}.app.grants.sql"
        doc = json.loads((folder / "cdk.tf.json").read_text())
        assert doc["output"]["sql_app_grants_sql"]["value"] == script.read_text()
