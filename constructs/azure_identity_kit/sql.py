"""An Azure SQL server that only Entra ID identities can sign in to, and the
database grants Terraform cannot make.

Azure SQL data access is not Azure RBAC: a workload reads rows as a contained
database user (`CREATE USER [<identity>] FROM EXTERNAL PROVIDER`) in a database
role (`db_datareader`, ...). "SQL DB Contributor" and "SQL Server Contributor"
manage the resources through ARM and grant no data access. No azurerm resource
creates database users, so `grant_database_role()` writes the exact, idempotent
T-SQL per database, as a stack output and as a file in the stack's output folder
(`cdktf.out/stacks/<stack>/assets/.../<server>.<database>.grants.sql`), and the
deploy workflow runs it with sqlcmd as the deploy identity (a member of the
server's Entra admin group).
https://learn.microsoft.com/azure/azure-sql/database/authentication-aad-configure
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ._cdktf import (
    AssetType,
    Construct,
    TerraformAsset,
    TerraformOutput,
    TerraformStack,
    is_token,
)
from .azurerm import (
    monitor_diagnostic_setting,
    mssql_database,
    mssql_firewall_rule,
    mssql_server,
    mssql_server_extended_auditing_policy,
)
from .constraints import (
    CrossField,
    Format,
    Range,
    azure,
    checked,
    cross_field,
    enforce,
    is_unknown,
    provider,
)
from .constraints.common import ResourceId
from .errors import KitValidationError, child_path
from .identity import EntraGroup, Grantable, resolve_grantee
from .naming import SQL_DATABASE, SQL_SERVER, check_name

SCRIPT_SUFFIX = ".grants.sql"
"""File names are `<server>.<database>.grants.sql`; the deploy workflow reads
server and database from them (neither name can contain a '.')."""
_ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_SCRIPT_DIR: list[Path] = []


def _script_dir() -> Path:
    """Where scripts are written until cdktf copies them into the stack folder
    at synth (TerraformAsset); removed when the process exits."""
    if not _SCRIPT_DIR:
        path = Path(tempfile.mkdtemp(prefix="idkit-sql-"))
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _SCRIPT_DIR.append(path)
    return _SCRIPT_DIR[0]


_DATABASE = "internal/services/mssql/mssql_database_resource.go"
_SKU_PATTERN = (
    r"Free|Basic|ElasticPool|S(?:0|1|2|3|4|6|7|9|12)|P(?:1|2|4|6|11|15)|DW[1-9]5?000*c"
    r"|DS(?:1|2|3|4|5|6|10|12|15|20)00|BC_M_(?:8|10|12|14|16|18|20|24|32|64|128)"
    r"|(?:GP|HS|BC)_Gen4_(?:1|2|3|4|5|6|7|8|9|10|16|24)"
    r"|(?:GP|HS|BC)_Gen5_(?:2|4|6|8|10|12|14|16|18|20|24|32|40|80|128)"
    r"|(?:GP|HS)_S_Gen5_(?:1|2|4|6|8|10|12|14|16|18|20|24|32|40|80)"
    r"|GP_Fsv2_(?:8|10|12|14|16|18|20|24|32|36|72)"
    r"|(?:GP|BC|HS)_DC_(?:2|4|6|8|10|12|14|16|18|20|32|40)|HS_8IM_(?:24|48|80)"
    r"|HS_S_8IM_(?:24|80)|HS_PRMS_(?:2|4|6|8|10|12|14|16|18|20|24|32|40|64|80|128)"
    r"|HS_MOPRMS_(?:2|4|6|8|10|12|14|16|18|20|24|32|40|64|80)"
)
DTU_MAX_SIZE_GB: dict[str, float] = {
    "Basic": 2,
    **dict.fromkeys(("S0", "S1", "S2"), 250),
    **dict.fromkeys(("S3", "S4", "S6", "S7", "S9", "S12"), 1024),
    **dict.fromkeys(("P1", "P2", "P4", "P6"), 1024),
    **dict.fromkeys(("P11", "P15"), 4096),
}
"""The largest max_size_gb of each DTU service objective."""


def _size_for_sku(settings: SqlDatabaseSettings) -> str | None:
    sku, size = settings.sku_name, settings.max_size_gb
    if size is None or is_unknown(sku) or is_unknown(size):
        return None
    limit = DTU_MAX_SIZE_GB.get(sku)
    if limit is None or not isinstance(size, (int, float)) or size <= limit:
        return None
    return f"max_size_gb {size:g} is more than {sku} holds ({limit:g} GB)."


@cross_field(
    CrossField(
        "sql-database-size",
        azure(
            "https://learn.microsoft.com/azure/azure-sql/database/resource-limits-dtu-single-databases"
        ),
        fields=("sku_name", "max_size_gb"),
        description="on a DTU SKU, max_size_gb no larger than it holds: Basic 2, S0-S2 250, "
        "S3-S12 1024, P1-P6 1024, P11-P15 4096",
        test=_size_for_sku,
        how="Lower max_size_gb, or pick a larger SKU.",
    )
)
@dataclass(frozen=True)
class SqlDatabaseSettings:
    """What `EntraOnlySqlServer.add_database` takes besides the name."""

    sku_name: str = checked(
        Format(
            "sql-database-sku",
            provider("internal/services/mssql/validate/database_sku_name.go", "DatabaseSkuName"),
            pattern=re.compile(rf"^(?:{_SKU_PATTERN})$", re.IGNORECASE),
            description="an Azure SQL SKU such as 'Basic', 'S0', 'P1', 'GP_Gen5_2' or "
            "'GP_S_Gen5_1'",
        ),
        default="Basic",
    )
    """Service objective. Default: Basic (DTU, cheapest)."""
    max_size_gb: float | None = checked(
        Range(
            "sql-database-size",
            provider(_DATABASE, "max_size_gb FloatBetween(0.1, 4096)"),
            low=0.1,
            high=4096,
            integer=False,
            unit=" GB",
        ),
        default=None,
    )
    """Largest size, 0.1-4096 GB and no more than the SKU holds. Default: the SKU's."""


@dataclass(frozen=True)
class EntraOnlySqlServerProps:
    name: str
    """Azure name: 1-63 lowercase letters, digits and '-', globally unique.
    Convention: `sql-<workload>-<env>`."""
    resource_group_name: str
    """Resource group of the server and its databases."""
    location: str
    """Azure region of the server and its databases."""
    administrators: EntraGroup
    """The Entra group that administers the server (azuread_administrator). Its
    `label` is used as the admin login name: use the group's display name. Put
    the deploy identity in it so the pipeline can run the grant scripts."""
    public_network_access_enabled: bool = True
    """Reachable from public networks (still Entra ID only). Default: on."""
    allow_azure_services: bool = False
    """Firewall rule 0.0.0.0 ('Allow Azure services'): lets Azure-hosted workloads
    without a private endpoint (e.g. a Container Apps environment without VNet)
    connect; every connection still needs an Entra ID token and a database user.
    Default: off."""
    audit_log_analytics_workspace_id: str | None = checked(
        ResourceId(
            "sql-audit-workspace-id",
            provider(
                "internal/services/monitor/monitor_diagnostic_setting_resource.go",
                "log_analytics_workspace_id workspaces.ValidateWorkspaceID",
            ),
            namespace="Microsoft.OperationalInsights",
            types=("workspaces",),
        ),
        default=None,
    )
    """Send the server's audit log (sign-ins, permission changes, queries) to this
    Log Analytics workspace: an extended auditing policy plus the master
    database's diagnostic setting, as Azure requires. Default: no auditing."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the server and its databases. Default: none."""


@dataclass(frozen=True)
class SqlDatabase:
    name: str
    resource: mssql_database.MssqlDatabase


@dataclass(frozen=True)
class SqlDatabaseGrant:
    """What `grant_database_role()` returns. Unlike `Grant`, there is no
    Terraform resource to depend on: the user exists once the deploy workflow
    has run the database's script (see the module docstring)."""

    database: str
    user_name: str
    roles: tuple[str, ...]


def _quote_name(name: str) -> str:
    return "[" + name.replace("]", "]]") + "]"


def _quote_string(text: str) -> str:
    return "N'" + text.replace("'", "''") + "'"


def grants_script(server_name: str, database: str, grants: Sequence[SqlDatabaseGrant]) -> str:
    """Idempotent T-SQL for one database: create each Entra ID user once, add it
    to each role once. It never drops users or role memberships."""
    lines = [
        f"-- Database users of [{database}] on server {server_name}, generated by "
        "azure-identity-kit (EntraOnlySqlServer.grant_database_role).",
        "-- Idempotent: safe to run after every deploy. Run it signed in as a member of the",
        "-- server's Entra admin group; the server's identity needs Directory Readers.",
        "SET NOCOUNT ON;",
    ]
    for item in grants:
        user, literal = _quote_name(item.user_name), _quote_string(item.user_name)
        lines += [
            "",
            f"IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = {literal})",
            f"    CREATE USER {user} FROM EXTERNAL PROVIDER;",
        ]
        for role in item.roles:
            lines += [
                "IF NOT EXISTS (",
                "    SELECT 1 FROM sys.database_role_members AS m",
                "    JOIN sys.database_principals AS r ON r.principal_id = m.role_principal_id",
                "    JOIN sys.database_principals AS u ON u.principal_id = m.member_principal_id",
                f"    WHERE r.name = {_quote_string(role)} AND u.name = {literal})",
                f"    ALTER ROLE {_quote_name(role)} ADD MEMBER {user};",
            ]
    return "\n".join(lines) + "\n"


class EntraOnlySqlServer(Construct):
    """`azurerm_mssql_server` with an Entra group as administrator and Entra ID
    authentication only: no SQL login, no password anywhere. TLS 1.2, the
    server's own (system-assigned) identity, public access per environment."""

    def __init__(self, scope: Construct, construct_id: str, props: EntraOnlySqlServerProps) -> None:
        path = child_path(scope, construct_id)
        check_name(SQL_SERVER, props.name, path)
        enforce(path, props)
        admins = props.administrators
        if not isinstance(admins, EntraGroup):
            raise KitValidationError(
                path,
                "sql-admin-group",
                "The SQL server's Entra administrator must be an Entra group (EntraGroup).",
                "Pass administrators=EntraGroup(label='<group display name>', object_id=...); "
                "a group can hold people and the deploy identity, and outlives both.",
            )
        super().__init__(scope, construct_id)
        self.name = props.name
        self.resource = mssql_server.MssqlServer(
            self,
            "server",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            version="12.0",
            minimum_tls_version="1.2",
            public_network_access_enabled=props.public_network_access_enabled,
            azuread_administrator=mssql_server.MssqlServerAzureadAdministrator(
                login_username=admins.label,
                object_id=admins.object_id,
                azuread_authentication_only=True,
            ),
            identity=mssql_server.MssqlServerIdentity(type="SystemAssigned"),
            # Express vulnerability assessment: scans without a storage account.
            express_vulnerability_assessment_enabled=True,
            tags=dict(props.tags) or None,
        )
        if props.allow_azure_services:
            mssql_firewall_rule.MssqlFirewallRule(
                self,
                "allow-azure-services",
                name="AllowAllWindowsAzureIps",
                server_id=self.resource.id,
                start_ip_address="0.0.0.0",
                end_ip_address="0.0.0.0",
            )
        if props.audit_log_analytics_workspace_id:
            self._audit_to(props.audit_log_analytics_workspace_id)
        self.tags = dict(props.tags)
        self.databases: dict[str, SqlDatabase] = {}
        self._grants: dict[str, list[SqlDatabaseGrant]] = {}
        self._outputs: dict[str, TerraformOutput] = {}
        self._scripts: dict[str, Path] = {}

    def _audit_to(self, workspace_id: str) -> None:
        """Server auditing to Azure Monitor: `log_monitoring_enabled` on the
        server's auditing policy takes effect through a diagnostic setting on the
        master database (azurerm docs, mssql_server_extended_auditing_policy)."""
        setting = monitor_diagnostic_setting.MonitorDiagnosticSetting(
            self,
            "audit-logs",
            name="audit-to-log-analytics",
            target_resource_id=f"{self.resource.id}/databases/master",
            log_analytics_workspace_id=workspace_id,
            enabled_log=[
                monitor_diagnostic_setting.MonitorDiagnosticSettingEnabledLog(
                    category="SQLSecurityAuditEvents"
                )
            ],
        )
        mssql_server_extended_auditing_policy.MssqlServerExtendedAuditingPolicy(
            self,
            "auditing",
            server_id=self.resource.id,
            log_monitoring_enabled=True,
            depends_on=[setting],
        )

    @property
    def fqdn(self) -> str:
        return self.resource.fully_qualified_domain_name

    @property
    def principal_id(self) -> str:
        """The server's own identity: give it the Entra role Directory Readers, so
        `CREATE USER ... FROM EXTERNAL PROVIDER` can look identities up."""
        return self.resource.identity.principal_id

    def add_database(
        self, name: str, *, sku_name: str = "Basic", max_size_gb: float | None = None
    ) -> SqlDatabase:
        """A database on this server. Default SKU: Basic (DTU, cheapest)."""
        construct_id = f"database-{name}"
        check_name(SQL_DATABASE, name, child_path(self, construct_id))
        enforce(child_path(self, construct_id), SqlDatabaseSettings(sku_name, max_size_gb))
        if name in self.databases:
            raise KitValidationError(
                child_path(self, construct_id),
                "sql-duplicate-database",
                f"The database '{name}' is added twice.",
                "Add each database once and keep the returned handle.",
            )
        resource = mssql_database.MssqlDatabase(
            self,
            construct_id,
            name=name,
            server_id=self.resource.id,
            sku_name=sku_name,
            max_size_gb=max_size_gb,
            tags=self.tags or None,
        )
        database = SqlDatabase(name=name, resource=resource)
        self.databases[name] = database
        return database

    def grant_database_role(
        self,
        grantee: Grantable,
        database: SqlDatabase,
        roles: Sequence[str] = ("db_datareader",),
        *,
        user_name: str | None = None,
    ) -> SqlDatabaseGrant:
        """Make `grantee` a contained database user of `database` in `roles`
        (written as T-SQL for the deploy workflow, see the module docstring).

        The user name is the identity's name in Entra ID: a user-assigned
        identity's Azure name, an EntraGroup's label (its display name). A
        system-assigned identity is named after its resource: pass user_name."""
        path = child_path(self, f"grants-{getattr(database, 'name', '?')}")
        name: str | None = getattr(database, "name", None)
        if name is None or self.databases.get(name) is not database:
            raise KitValidationError(
                path,
                "sql-foreign-database",
                f"{database!r} is not a database of this server.",
                "Pass the handle this server's add_database() returned.",
            )
        principal = resolve_grantee(grantee, self)
        name = user_name or getattr(principal, "azure_name", None)
        if isinstance(principal, EntraGroup) and not user_name:
            name = principal.label
        if not name or is_token(name) or any(ch in name for ch in "\n\r\0"):
            raise KitValidationError(
                path,
                "sql-user-name",
                f"The database user name of {principal.label} is not known at synth "
                f"({name!r}): it must be the identity's literal name in Entra ID.",
                "Pass user_name='<the identity's display name>' (for a system-assigned "
                "identity: its resource's name).",
            )
        roles = tuple(roles)
        bad = [role for role in roles if not _ROLE.match(role)]
        if not roles or bad or "db_owner" in roles:
            raise KitValidationError(
                path,
                "sql-database-role",
                f"Database roles {list(roles)} are empty, invalid names {bad}, or db_owner.",
                "Name the narrowest roles, e.g. ['db_datareader'] or "
                "['db_datareader', 'db_datawriter']; never db_owner for a workload.",
            )
        grants = self._grants.setdefault(database.name, [])
        if any(item.user_name.lower() == name.lower() for item in grants):
            raise KitValidationError(
                path,
                "sql-duplicate-grant",
                f"'{name}' already has database roles in '{database.name}'.",
                "Grant all of its roles in one grant_database_role(..., roles=[...]) call.",
            )
        result = SqlDatabaseGrant(database=database.name, user_name=name, roles=roles)
        grants.append(result)
        self._write_script(database.name)
        return result

    def script(self, database: str) -> str:
        """The current T-SQL for one database ('' without grants)."""
        grants = self._grants.get(database, [])
        return grants_script(self.name, database, grants) if grants else ""

    def _write_script(self, database: str) -> None:
        """Keep the stack output and the script file in step with the grants:
        the output's value is replaced, the file is rewritten (cdktf copies it
        into the stack's folder at synth)."""
        text = self.script(database)
        if database not in self._outputs:
            stack = TerraformStack.of(self)
            self._outputs[database] = TerraformOutput(
                stack,
                f"{self.node.id}_{database}_grants_sql".replace("-", "_"),
                value=text,
                description=f"T-SQL that creates the Entra ID database users of {database} "
                f"on {self.name} (run by the deploy workflow)",
            )
            file_name = f"{self.name}.{database}{SCRIPT_SUFFIX}"
            folder = _script_dir() / str(id(self))
            folder.mkdir(exist_ok=True)
            self._scripts[database] = folder / file_name
            self._scripts[database].write_text(text, encoding="utf-8")
            TerraformAsset(
                self,
                f"grants-{database}",
                path=str(self._scripts[database]),
                type=AssetType.FILE,
                asset_hash=database,
            )
        else:
            self._outputs[database].value = text
            self._scripts[database].write_text(text, encoding="utf-8")
