"""One stack's JSON -> AccessMap: every access grant as one identity -> scope edge, every
identity a workload carries as one workload -> identity edge.

Access grants read: Azure role assignments, Cosmos DB SQL role assignments, Key Vault access
policies, a SQL server's Entra administrator, database roles in the generated T-SQL, Key Vault
references (Container Apps secrets, App Service settings) and image pulls by identity.
Anything else in the stack (networks, a `time_sleep`, variables) is not access and is skipped.
"""

from __future__ import annotations

import re
from typing import Any

from ..review.rules import Context, role_name
from .graph import (
    CARRIES,
    COSMOS_DATA_ROLE,
    FEDERATED,
    IDENTITY,
    KEY_VAULT_ACCESS_POLICY,
    KEY_VAULT_REFERENCE,
    PULL,
    RBAC,
    SCOPE,
    SQL_DATABASE_ROLE,
    SQL_ENTRA_ADMIN,
    WORKLOAD,
    AccessMap,
    Edge,
    Node,
)
from .kinds import WEB_APP_TYPES, WORKLOAD_TYPES
from .stack import Stack, as_blocks, is_literal, last_ref
from .tsql import sql_grants

USER_IDENTITY = "azurerm_user_assigned_identity"
COSMOS_BUILT_IN = {
    "00000000-0000-0000-0000-000000000001": "Cosmos DB Built-in Data Reader",
    "00000000-0000-0000-0000-000000000002": "Cosmos DB Built-in Data Contributor",
}
_PRINCIPAL_TYPES = {
    "group": "group",
    "user": "user",
    "serviceprincipal": "service-principal",
    "foreigngroup": "group",
}
_AZUREAD_TYPES = {
    "azuread_group": "group",
    "azuread_user": "user",
    "azuread_service_principal": "service-principal",
    "azuread_application": "service-principal",
}
_KV_REFERENCE = re.compile(r"^@Microsoft\.KeyVault\((.*)\)\s*$", re.S)
_SYSTEM = "system"


def build(stack_name: str, doc: dict[str, Any]) -> AccessMap:
    """The access map of one synthesized stack (a cdk.tf.json document)."""
    return _Builder(Stack(stack_name, doc)).run()


def _identity_kind(identity_block: dict[str, Any]) -> str:
    return str(identity_block.get("type") or "").lower().replace(" ", "")


class _Builder:
    def __init__(self, stack: Stack) -> None:
        self.s = stack
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.ctx = Context(
            data={a: attrs for a, (mode, _t, attrs) in stack.blocks.items() if mode == "data"}
        )
        # Resource address -> (identity node, origin) for each identity it carries.
        self.carried: dict[str, list[tuple[str, str]]] = {}

    def run(self) -> AccessMap:
        for address, _attrs in self.s.of_type(USER_IDENTITY):
            self._user_identity_node(address)
        self._role_assignments()
        self._cosmos_role_assignments()
        self._access_policies()
        self._sql_admins()
        self._sql_database_roles()
        self._carriers()
        self._federated_credentials()
        self._workloads()
        self._scope_parents()
        return AccessMap(self.s.stack_name, self.nodes, self.edges)

    # --- nodes ---------------------------------------------------------------------------

    def _add(self, node: Node) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    def _user_identity_node(self, address: str) -> str:
        return self._add(
            Node(
                address,
                IDENTITY,
                self.s.name(address),
                address.rsplit(".", 1)[0],
                address,
                self.s.path(address),
                identity_type="user-assigned",
            )
        )

    def _system_identity(self, carrier: str) -> str:
        return self._add(
            Node(
                f"{carrier}#system-assigned",
                IDENTITY,
                f"{self.s.name(carrier)} (system-assigned)",
                self.s.type(carrier),
                carrier,
                self.s.path(carrier),
                identity_type="system-assigned",
            )
        )

    def _outside(self, node_id: str, label: str, identity_type: str) -> str:
        """A principal the stack does not create: known only by its ID or name."""
        return self._add(Node(node_id, IDENTITY, label, identity_type, identity_type=identity_type))

    def _principal(self, value: object, principal_type: object, origin: str) -> str:
        """The identity a `principal_id` / `object_id` value names."""
        ref = last_ref(value)
        if ref and ref.address in self.s and not ref.suffix:
            rtype = self.s.type(ref.address)
            if rtype == USER_IDENTITY:
                return self._user_identity_node(ref.address)
            if ref.attribute.startswith("identity"):
                return self._system_identity(ref.address)
            if rtype == "azurerm_client_config":
                return self._outside(ref.address, "the deploying principal", "deploying-principal")
            kind = _AZUREAD_TYPES.get(rtype, "entra-principal")
            return self._add(
                Node(
                    ref.address,
                    IDENTITY,
                    self.s.name(ref.address),
                    ref.address.rsplit(".", 1)[0],
                    ref.address,
                    self.s.path(ref.address),
                    identity_type=kind,
                )
            )
        if ref and not ref.suffix and ref.address.split(".")[-2] == USER_IDENTITY:
            return self._elsewhere(ref.address, IDENTITY, "user-assigned")
        if is_literal(value):
            kind = _PRINCIPAL_TYPES.get(str(principal_type or "").lower(), "entra-principal")
            oid = str(value).strip().lower()
            label = self._entra_names().get(oid) or f"{kind} {oid}"
            return self._outside(f"entra:{oid}", label, kind)
        return self._outside(f"unresolved:{origin}", f"unresolved principal of {origin}", "unknown")

    def _user_identity(self, value: object, carrier: str, origin: str) -> str:
        """The identity an identity resource ID (or "System") names."""
        ref = last_ref(value)
        if ref and ref.address in self.s and self.s.type(ref.address) == USER_IDENTITY:
            return self._user_identity_node(ref.address)
        if ref and ref.address.split(".")[-2] == USER_IDENTITY:
            return self._elsewhere(ref.address, IDENTITY, "user-assigned")
        if isinstance(value, str) and value.strip().lower() == _SYSTEM:
            return self._system_identity(carrier)
        if is_literal(value):
            name = str(value).rstrip("/").rsplit("/", 1)[-1]
            return self._outside(str(value).lower(), name, "user-assigned")
        return self._outside(f"unresolved:{origin}", f"unresolved identity of {origin}", "unknown")

    def _by_client_id(self, value: object, carrier: str, origin: str) -> str:
        ref = last_ref(value)
        if ref and ref.address in self.s and self.s.type(ref.address) == USER_IDENTITY:
            return self._user_identity_node(ref.address)
        if is_literal(value):
            return self._outside(f"client:{str(value).lower()}", f"client {value}", "user-assigned")
        if value in (None, ""):
            return self._system_identity(carrier)
        return self._outside(f"unresolved:{origin}", f"unresolved identity of {origin}", "unknown")

    def _entra_names(self) -> dict[str, str]:
        """Object ID -> login name, from the SQL servers' Entra administrators."""
        names = {}
        for _address, attrs in self.s.of_type("azurerm_mssql_server"):
            for admin in as_blocks(attrs.get("azuread_administrator")):
                oid, login = admin.get("object_id"), admin.get("login_username")
                if is_literal(oid) and is_literal(login):
                    names[str(oid).lower()] = str(login)
        return names

    def _resource_scope(self, address: str) -> str:
        if address in self.nodes:
            return address
        return self._add(
            Node(
                address,
                SCOPE,
                self.s.name(address),
                address.rsplit(".", 1)[0],
                address,
                self.s.path(address),
                parent=self.s.parent(address),
            )
        )

    def _scope(self, value: object, origin: str) -> str:
        """The scope a `scope` / secret / registry value names: a resource of the stack, a
        path below one (`<vault>/secrets/<name>`), or a literal ID from outside."""
        ref = last_ref(value)
        if ref and ref.address in self.s:
            if ref.suffix.strip("/"):
                child, rest, child_type = self.s.child(ref.address, ref.suffix)
                if child:
                    return self._resource_scope(child)
                return self._add(
                    Node(
                        f"{ref.address}/{rest}",
                        SCOPE,
                        rest.rsplit("/", 1)[-1],
                        child_type,
                        ref.address,
                        self.s.path(ref.address),
                        parent=ref.address,
                    )
                )
            return self._resource_scope(ref.address)
        if ref:
            return self._elsewhere(ref.address, SCOPE, "")
        if is_literal(value):
            return self._literal_scope(str(value))
        return self._add(Node(f"unresolved:{origin}", SCOPE, f"unresolved scope of {origin}", ""))

    def _elsewhere(self, address: str, kind: str, identity_type: str) -> str:
        """A referenced resource the document does not hold (a plan of part of a stack)."""
        rtype, name = address.rsplit(".", 1)
        return self._add(Node(address, kind, name, rtype, address, identity_type=identity_type))

    def _literal_scope(self, value: str) -> str:
        parts = [p for p in value.strip().split("/") if p]
        if not parts:
            return self._add(Node("/", SCOPE, "tenant root", "tenant root"))
        kind = parts[-2] if len(parts) >= 2 else "scope"
        return self._add(Node(value.strip().rstrip("/").lower(), SCOPE, parts[-1], kind))

    def _registry(self, server: object, origin: str) -> str:
        ref = last_ref(server)
        if ref and ref.address in self.s:
            return self._resource_scope(ref.address)
        if is_literal(server):
            host = str(server).split("://", 1)[-1].split("/", 1)[0].lower()
            for address, _attrs in self.s.of_type("azurerm_container_registry"):
                if f"{self.s.name(address).lower()}.azurecr.io" == host:
                    return self._resource_scope(address)
            return self._add(Node(f"registry:{host}", SCOPE, host, "azurerm_container_registry"))
        return self._add(
            Node(f"unresolved:{origin}", SCOPE, "unresolved registry", "azurerm_container_registry")
        )

    def _edge(self, source: str, target: str, kind: str, role: str, path: str, origin: str) -> None:
        self.edges.append(Edge(source, target, kind, role, path, origin))

    # --- grants --------------------------------------------------------------------------

    def _role_assignments(self) -> None:
        for address, attrs in self.s.of_type("azurerm_role_assignment"):
            role = role_name(attrs, self.ctx) or "unknown role"
            if attrs.get("condition"):
                role += " (with condition)"
            self._edge(
                self._principal(attrs.get("principal_id"), attrs.get("principal_type"), address),
                self._scope(attrs.get("scope"), address),
                RBAC,
                role,
                self.s.path(address),
                address,
            )

    def _cosmos_role_assignments(self) -> None:
        for address, attrs in self.s.of_type("azurerm_cosmosdb_sql_role_assignment"):
            definition = attrs.get("role_definition_id")
            ref = last_ref(definition)
            tail = str(definition or "").rstrip("/").rsplit("/", 1)[-1].lower()
            if ref and ref.address in self.s and not ref.suffix:
                role = self.s.name(ref.address)
            else:
                role = COSMOS_BUILT_IN.get(tail) or f"Cosmos DB role {tail}"
            self._edge(
                self._principal(attrs.get("principal_id"), None, address),
                self._scope(attrs.get("scope"), address),
                COSMOS_DATA_ROLE,
                role,
                self.s.path(address),
                address,
            )

    def _access_policies(self) -> None:
        policies = [
            (address, attrs, attrs.get("key_vault_id"), address)
            for address, attrs in self.s.of_type("azurerm_key_vault_access_policy")
        ]
        for address, attrs in self.s.of_type("azurerm_key_vault"):
            for i, policy in enumerate(as_blocks(attrs.get("access_policy"))):
                origin = f"{address}.access_policy[{i}]"
                policies.append((address, policy, f"${{{address}.id}}", origin))
        for address, policy, vault, origin in policies:
            granted = [
                f"{key.removesuffix('_permissions')}: {', '.join(map(str, policy[key]))}"
                for key in sorted(policy)
                if key.endswith("_permissions") and policy[key]
            ]
            self._edge(
                self._principal(policy.get("object_id"), None, origin),
                self._scope(vault, origin),
                KEY_VAULT_ACCESS_POLICY,
                "access policy (" + "; ".join(granted) + ")",
                self.s.path(address),
                origin,
            )

    def _sql_admins(self) -> None:
        names = self._entra_names()
        for address, attrs in self.s.of_type("azurerm_mssql_server"):
            for admin in as_blocks(attrs.get("azuread_administrator")):
                origin = f"{address}.azuread_administrator"
                oid = admin.get("object_id")
                if is_literal(oid):
                    key = str(oid).lower()
                    source = self._outside(f"entra:{key}", names.get(key, key), "entra-principal")
                else:
                    source = self._principal(oid, None, origin)
                self._edge(
                    source,
                    self._resource_scope(address),
                    SQL_ENTRA_ADMIN,
                    "Entra administrator",
                    self.s.path(address),
                    origin,
                )

    def _sql_user(self, user: str) -> str:
        """A database user's Entra name -> the identity of that name in the stack."""
        wanted = user.lower()
        for address, _attrs in self.s.of_type(USER_IDENTITY):
            if self.s.name(address).lower() == wanted:
                return self._user_identity_node(address)
        for oid, login in self._entra_names().items():
            if login.lower() == wanted:
                return f"entra:{oid}"
        for address, (mode, _type, attrs) in self.s.blocks.items():
            kinds = [_identity_kind(b) for b in as_blocks(attrs.get("identity"))]
            if mode == "managed" and any("systemassigned" in k for k in kinds):
                if self.s.name(address).lower() == wanted:
                    return self._system_identity(address)
        return self._outside(f"entra:{wanted}", user, "entra-principal")

    def _sql_database_roles(self) -> None:
        for grant in sql_grants(self.s.outputs):
            servers = [
                address
                for address, _attrs in self.s.of_type("azurerm_mssql_server")
                if self.s.name(address) == grant.server
            ]
            origin = f"output.{grant.output}[{grant.index}]"
            path = ""
            if servers:
                path = f"{self.s.path(servers[0]).rsplit('/', 1)[0]}/grants-{grant.database}"
                target = self._scope(f"${{{servers[0]}.id}}/databases/{grant.database}", origin)
            else:
                target = self._add(
                    Node(
                        f"sql:{grant.server}/{grant.database}",
                        SCOPE,
                        grant.database,
                        "azurerm_mssql_database",
                    )
                )
            self._edge(
                self._sql_user(grant.user), target, SQL_DATABASE_ROLE, grant.role, path, origin
            )

    # --- workloads: the identities they carry, their Key Vault references and pulls ------

    def _carriers(self) -> None:
        for address, (mode, rtype, attrs) in self.s.blocks.items():
            if mode != "managed":
                continue
            carried = self.carried.setdefault(address, [])
            for block in as_blocks(attrs.get("identity")):
                if "systemassigned" in _identity_kind(block):
                    carried.append((self._system_identity(address), f"{address}.identity"))
                for j, value in enumerate(block.get("identity_ids") or []):
                    origin = f"{address}.identity.identity_ids[{j}]"
                    carried.append((self._user_identity(value, address, origin), origin))
            if rtype in ("azurerm_container_app", "azurerm_container_app_job"):
                self._container_app_uses(address, attrs)
            elif rtype == "azurerm_container_group":
                self._container_group_pulls(address, attrs)
            elif rtype in WEB_APP_TYPES:
                self._web_app_uses(address, attrs)
            if not carried:
                del self.carried[address]

    def _container_app_uses(self, address: str, attrs: dict[str, Any]) -> None:
        path = self.s.path(address)
        for i, secret in enumerate(as_blocks(attrs.get("secret"))):
            if secret.get("key_vault_secret_id"):
                origin = f"{address}.secret[{i}]"
                self._edge(
                    self._user_identity(secret.get("identity") or _SYSTEM, address, origin),
                    self._scope(secret.get("key_vault_secret_id"), origin),
                    KEY_VAULT_REFERENCE,
                    "Key Vault reference",
                    path,
                    origin,
                )
        for i, registry in enumerate(as_blocks(attrs.get("registry"))):
            if registry.get("identity"):
                origin = f"{address}.registry[{i}]"
                self._edge(
                    self._user_identity(registry.get("identity"), address, origin),
                    self._registry(registry.get("server"), origin),
                    PULL,
                    "image pull",
                    path,
                    origin,
                )

    def _container_group_pulls(self, address: str, attrs: dict[str, Any]) -> None:
        for i, cred in enumerate(as_blocks(attrs.get("image_registry_credential"))):
            if cred.get("user_assigned_identity_id"):
                origin = f"{address}.image_registry_credential[{i}]"
                self._edge(
                    self._user_identity(cred.get("user_assigned_identity_id"), address, origin),
                    self._registry(cred.get("server"), origin),
                    PULL,
                    "image pull",
                    self.s.path(address),
                    origin,
                )

    def _web_app_uses(self, address: str, attrs: dict[str, Any]) -> None:
        path = self.s.path(address)
        reader = attrs.get("key_vault_reference_identity_id")
        found = attrs.get("app_settings")
        settings = found if isinstance(found, dict) else {}
        references = [(f"app_settings.{k}", v) for k, v in sorted(settings.items())]
        for i, conn in enumerate(as_blocks(attrs.get("connection_string"))):
            references.append((f"connection_string[{i}]", conn.get("value")))
        for where, value in references:
            match = _KV_REFERENCE.match(value) if isinstance(value, str) else None
            if not match:
                continue
            origin = f"{address}.{where}"
            self._edge(
                self._user_identity(reader or _SYSTEM, address, origin),
                self._kv_reference_scope(match.group(1), origin),
                KEY_VAULT_REFERENCE,
                "Key Vault reference",
                path,
                origin,
            )
        for site in as_blocks(attrs.get("site_config")):
            if site.get("container_registry_use_managed_identity") is not True:
                continue
            origin = f"{address}.site_config"
            server: object = None
            for stack in as_blocks(site.get("application_stack")):
                server = stack.get("docker_registry_url")
                for docker in as_blocks(stack.get("docker")):
                    server = server or docker.get("registry_url")
            self._edge(
                self._by_client_id(
                    site.get("container_registry_managed_identity_client_id"), address, origin
                ),
                self._registry(server, origin),
                PULL,
                "image pull",
                path,
                origin,
            )

    def _kv_reference_scope(self, inner: str, origin: str) -> str:
        """`SecretUri=<uri>` or `VaultName=<vault>;SecretName=<name>` -> the secret's scope."""
        fields = dict(
            part.split("=", 1) for part in re.split(r";(?![^{]*\})", inner) if "=" in part
        )
        if "SecretUri" in fields:
            return self._scope(fields["SecretUri"].strip(), origin)
        vault, secret = fields.get("VaultName", "").strip(), fields.get("SecretName", "").strip()
        for address, _attrs in self.s.of_type("azurerm_key_vault"):
            if self.s.name(address) == vault:
                return self._scope(f"${{{address}.id}}/secrets/{secret}", origin)
        return self._add(Node(f"keyvault:{vault}/secrets/{secret}", SCOPE, secret, "secret"))

    def _federated_credentials(self) -> None:
        for address, attrs in self.s.of_type("azurerm_federated_identity_credential"):
            subject, issuer = str(attrs.get("subject") or ""), str(attrs.get("issuer") or "")
            node = self._add(
                Node(
                    f"federated:{issuer}|{subject}",
                    WORKLOAD,
                    subject,
                    "azurerm_federated_identity_credential",
                    address,
                    self.s.path(address),
                )
            )
            self._edge(
                node,
                # azurerm 5 renamed parent_id to user_assigned_identity_id.
                self._user_identity(
                    attrs.get("parent_id") or attrs.get("user_assigned_identity_id"),
                    address,
                    address,
                ),
                FEDERATED,
                "federated credential",
                self.s.path(address),
                address,
            )

    def _workloads(self) -> None:
        """Compute is a workload; another carrier only when its identities reach something."""
        reaching = {e.source for e in self.edges}
        for address, carried in self.carried.items():
            if self.s.type(address) not in WORKLOAD_TYPES and not any(
                identity in reaching for identity, _origin in carried
            ):
                for identity, _origin in carried:
                    if identity.endswith("#system-assigned") and identity not in reaching:
                        self.nodes.pop(identity, None)
                continue
            node = self.nodes.get(address)
            if node is not None:  # also the scope of a grant: drawn as the workload
                node.kind = WORKLOAD
            else:
                self._add(
                    Node(
                        address,
                        WORKLOAD,
                        self.s.name(address),
                        self.s.type(address),
                        address,
                        self.s.path(address),
                    )
                )
            for identity, origin in carried:
                self._edge(address, identity, CARRIES, "", self.s.path(address), origin)

    def _scope_parents(self) -> None:
        """Add the resources that contain a scope (a container's account), then mark every
        scope private that has, or sits in something that has, no public network path."""
        pending = [n for n in self.nodes.values() if n.kind == SCOPE]
        while pending:
            node = pending.pop()
            if node.parent and node.parent not in self.nodes and node.parent in self.s:
                parent = self.nodes[self._resource_scope(node.parent)]
                pending.append(parent)
        for node in self.nodes.values():
            if node.kind != SCOPE or not node.address:
                continue
            reasons = list(self.s.private_because(node.address)) if node.id == node.address else []
            above, seen = node.parent, set()
            while above and above not in seen:
                seen.add(above)
                label = self.s.name(above) if above in self.s else above
                reasons += [f"{r} (on {label})" for r in self.s.private_because(above)]
                above = self.s.parent(above)
            node.private_because = reasons
            node.private = bool(reasons)
