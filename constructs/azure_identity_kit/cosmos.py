"""A Cosmos DB (NoSQL) account that only Entra ID identities can read or write.

Cosmos DB's data roles are not Azure RBAC: "Cosmos DB Built-in Data Reader" and
"... Contributor" are SQL role definitions inside the account
(`<account id>/sqlRoleDefinitions/00000000-0000-0000-0000-00000000000{1,2}`),
granted with `azurerm_cosmosdb_sql_role_assignment` on a data-plane path
(account ID, `<account id>/dbs/<db>` or `<account id>/dbs/<db>/colls/<container>`).
An `azurerm_role_assignment` naming them fails with "could not find role"; the
kit's `grant()` refuses them and points here.
https://learn.microsoft.com/azure/cosmos-db/how-to-setup-rbac
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ._cdktf import Construct
from .azurerm import (
    COSMOS_LOCAL_AUTH_OFF,
    cosmosdb_account,
    cosmosdb_sql_container,
    cosmosdb_sql_database,
)
from .constraints import (
    Format,
    OneOf,
    Range,
    argument,
    azure,
    check_argument,
    checked,
    enforce,
    provider,
)
from .errors import KitValidationError, child_path
from .identity import (
    COSMOS_DATA_CONTRIBUTOR,
    COSMOS_DATA_READER,
    CosmosAccountRef,
    Grant,
    Grantable,
    GrantTarget,
    grant_to,
    network_path_of,
)
from .naming import COSMOS_ACCOUNT, COSMOS_CHILD, check_name

CONSISTENCY_LEVELS = ("BoundedStaleness", "ConsistentPrefix", "Eventual", "Session", "Strong")
_THROUGHPUT = Range(
    "cosmos-autoscale-throughput",
    provider("internal/services/cosmos/validate/cosmos.go", "CosmosMaxThroughput"),
    low=1000,
    step=1000,
    unit=" RU/s",
)
DATABASE_THROUGHPUT = argument(
    "IdentityOnlyCosmosAccount.add_database", "autoscale_max_throughput", _THROUGHPUT
)
CONTAINER_THROUGHPUT = argument(
    "IdentityOnlyCosmosAccount.add_container", "autoscale_max_throughput", _THROUGHPUT
)
PARTITION_KEY = argument(
    "IdentityOnlyCosmosAccount.add_container",
    "partition_key_path",
    Format(
        "cosmos-partition-key",
        azure(
            "https://learn.microsoft.com/azure/cosmos-db/partitioning-overview#choose-a-partition-key"
        ),
        pattern=re.compile(r"^/[^/\s]+(?:/[^/\s]+)*$"),
        description="a JSON path starting with '/', e.g. '/id' or '/tenantId'",
    ),
)


@dataclass(frozen=True)
class IdentityOnlyCosmosAccountProps:
    name: str
    """Azure name: 3-44 lowercase letters, digits and '-', globally unique.
    Convention: `cosmos-<workload>-<env>`."""
    resource_group_name: str
    """Resource group of the account."""
    location: str
    """The account's (single, write) region."""
    public_network_access_enabled: bool = True
    """Reachable from public networks (still Entra ID only). Default: on; turn it off
    once the workloads reach the account through a private endpoint."""
    consistency_level: str = checked(
        OneOf(
            "cosmos-consistency-level",
            provider(
                "internal/services/cosmos/cosmosdb_account_resource.go",
                "consistency_policy consistency_level StringInSlice",
            ),
            values=CONSISTENCY_LEVELS,
        ),
        default="Session",
    )
    """Default consistency. Default: Session (read-your-writes per client)."""
    zone_redundant: bool = False
    """Spread the region's replicas over availability zones. Default: off."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the account. Default: none."""


@dataclass(frozen=True)
class CosmosDatabase:
    """A SQL database of the account: a grant scope (`<account id>/dbs/<name>`)."""

    name: str
    resource: cosmosdb_sql_database.CosmosdbSqlDatabase
    target: GrantTarget


@dataclass(frozen=True)
class CosmosContainer:
    """A container: the narrowest grant scope (`.../dbs/<db>/colls/<name>`)."""

    database: CosmosDatabase
    name: str
    resource: cosmosdb_sql_container.CosmosdbSqlContainer
    target: GrantTarget


CosmosScope = CosmosDatabase | CosmosContainer | None
"""Where a data grant applies: a database, a container, or None (the account)."""


class IdentityOnlyCosmosAccount(Construct):
    """`azurerm_cosmosdb_account` (NoSQL) with keys off for data access
    (`local_authentication_disabled`; azurerm 5: `local_authentication_enabled`)
    and for metadata writes (`access_key_metadata_writes_enabled = false`):
    databases and containers are managed through ARM (Terraform), data is reached
    with Entra ID tokens and the grants below. The provider still reads the
    account keys into the Terraform state on refresh (they exist, unusable while
    local auth is off)."""

    def __init__(
        self, scope: Construct, construct_id: str, props: IdentityOnlyCosmosAccountProps
    ) -> None:
        path = child_path(scope, construct_id)
        check_name(COSMOS_ACCOUNT, props.name, path)
        enforce(path, props)
        super().__init__(scope, construct_id)
        self.resource = cosmosdb_account.CosmosdbAccount(
            self,
            "account",
            name=props.name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            offer_type="Standard",
            kind="GlobalDocumentDB",
            consistency_policy=cosmosdb_account.CosmosdbAccountConsistencyPolicy(
                consistency_level=props.consistency_level
            ),
            geo_location=[
                cosmosdb_account.CosmosdbAccountGeoLocation(
                    location=props.location,
                    failover_priority=0,
                    zone_redundant=props.zone_redundant,
                )
            ],
            **COSMOS_LOCAL_AUTH_OFF,
            access_key_metadata_writes_enabled=False,
            public_network_access_enabled=props.public_network_access_enabled,
            minimal_tls_version="Tls12",
            tags=dict(props.tags) or None,
        )
        account_id = self.resource.id  # each read is a jsii round trip: read once
        self.ref = CosmosAccountRef(
            resource_id=account_id,
            name=self.resource.name,
            resource_group_name=props.resource_group_name,
        )
        # Its private endpoint (PrivateEndpointFor with PrivateLinkService.of(resource))
        # joins this path; data grants carry it, so workloads wait for the endpoint too.
        self.network = network_path_of(self.resource)
        self.target = GrantTarget(name=construct_id, resource_id=account_id, network=self.network)
        self.databases: dict[str, CosmosDatabase] = {}
        self.containers: dict[tuple[str, str], CosmosContainer] = {}

    @property
    def endpoint(self) -> str:
        """`https://<name>.documents.azure.com:443/`, for CosmosClient(endpoint, credential)."""
        return self.resource.endpoint

    @cached_property
    def _node_id(self) -> str:
        """The construct ID, read once (two jsii round trips) for the targets' names."""
        return self.node.id

    def add_database(
        self, name: str, *, autoscale_max_throughput: int | None = None
    ) -> CosmosDatabase:
        """A SQL database. Throughput: none (serverless or per container) unless
        `autoscale_max_throughput` (RU/s, 1000 or more, in steps of 1000) is given."""
        construct_id = f"database-{name}"
        check_name(COSMOS_CHILD, name, child_path(self, construct_id))
        check_argument(
            child_path(self, construct_id), DATABASE_THROUGHPUT, autoscale_max_throughput
        )
        if name in self.databases:
            raise KitValidationError(
                child_path(self, construct_id),
                "cosmos-duplicate",
                f"The database '{name}' is added twice.",
                "Add each database once and keep the returned handle.",
            )
        resource = cosmosdb_sql_database.CosmosdbSqlDatabase(
            self,
            construct_id,
            name=name,
            account_name=self.resource.name,
            resource_group_name=self.ref.resource_group_name,
            autoscale_settings=(
                cosmosdb_sql_database.CosmosdbSqlDatabaseAutoscaleSettings(
                    max_throughput=autoscale_max_throughput
                )
                if autoscale_max_throughput
                else None
            ),
        )
        database = CosmosDatabase(
            name=name,
            resource=resource,
            # The data-plane path, built from the resource's name so the grant
            # waits for the database (not the ARM ID .../sqlDatabases/<db>).
            target=GrantTarget(
                name=f"{self._node_id}-{name}",
                resource_id=f"{self.target.resource_id}/dbs/{resource.name}",
                network=self.network,
            ),
        )
        self.databases[name] = database
        return database

    def add_container(
        self,
        database: CosmosDatabase,
        name: str,
        *,
        partition_key_path: str = "/id",
        autoscale_max_throughput: int | None = None,
    ) -> CosmosContainer:
        """A container in `database` (from add_database), partitioned by
        `partition_key_path`. Default: '/id'."""
        construct_id = f"container-{database.name}-{name}"
        check_name(COSMOS_CHILD, name, child_path(self, construct_id))
        if self.databases.get(database.name) is not database:
            raise KitValidationError(
                child_path(self, construct_id),
                "cosmos-foreign-database",
                f"The database '{database.name}' does not belong to this account.",
                "Pass the handle that this account's add_database() returned.",
            )
        if (database.name, name) in self.containers:
            raise KitValidationError(
                child_path(self, construct_id),
                "cosmos-duplicate",
                f"The container '{name}' is added twice to database '{database.name}'.",
                "Add each container once and keep the returned handle.",
            )
        check_argument(child_path(self, construct_id), PARTITION_KEY, partition_key_path)
        check_argument(
            child_path(self, construct_id), CONTAINER_THROUGHPUT, autoscale_max_throughput
        )
        resource = cosmosdb_sql_container.CosmosdbSqlContainer(
            self,
            construct_id,
            name=name,
            account_name=self.resource.name,
            resource_group_name=self.ref.resource_group_name,
            database_name=database.resource.name,
            partition_key_paths=[partition_key_path],
            partition_key_version=2,
            autoscale_settings=(
                cosmosdb_sql_container.CosmosdbSqlContainerAutoscaleSettings(
                    max_throughput=autoscale_max_throughput
                )
                if autoscale_max_throughput
                else None
            ),
        )
        container = CosmosContainer(
            database=database,
            name=name,
            resource=resource,
            target=GrantTarget(
                name=f"{self._node_id}-{database.name}-{name}",
                resource_id=f"{database.target.resource_id}/colls/{resource.name}",
                network=self.network,
            ),
        )
        self.containers[(database.name, name)] = container
        return container

    def grant_data_read(self, grantee: Grantable, *, scope: CosmosScope = None) -> Grant:
        """Read items and run queries ('Cosmos DB Built-in Data Reader') on the
        account, a database or a container (narrowest that works: a container)."""
        return self._grant(COSMOS_DATA_READER, grantee, scope)

    def grant_data_write(self, grantee: Grantable, *, scope: CosmosScope = None) -> Grant:
        """Read, create, replace and delete items ('Cosmos DB Built-in Data
        Contributor'). It does not create databases or containers: those are
        ARM resources, managed by Terraform here."""
        return self._grant(COSMOS_DATA_CONTRIBUTOR, grantee, scope)

    def _grant(self, role: str, grantee: Grantable, scope: CosmosScope) -> Grant:
        if scope is None:
            target = self.target
        elif isinstance(scope, CosmosDatabase) and self.databases.get(scope.name) is scope:
            target = scope.target
        elif (
            isinstance(scope, CosmosContainer)
            and self.containers.get((scope.database.name, scope.name)) is scope
        ):
            target = scope.target
        else:
            raise KitValidationError(
                self.node.path,
                "cosmos-foreign-database",
                f"The grant scope {scope!r} is not a database or container of this account.",
                "Pass a handle from this account's add_database() / add_container(), or None.",
            )
        return grant_to(self, grantee, role, target, cosmos_account=self.ref)
