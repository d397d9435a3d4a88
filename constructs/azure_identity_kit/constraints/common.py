"""Constraints several props share: GUIDs, resource IDs, Key Vault secret URIs,
ports, time_sleep durations, CIDRs and the smallest subnet each delegated service takes.
Each prop still names its own rule ID; these build the constraint."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import ChildPath, KitValidationError
from . import (
    Constraint,
    CrossField,
    Format,
    Range,
    Source,
    argument,
    azure,
    check_argument,
    is_unknown,
    literal_parts,
    provider,
)

GUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
IS_UUID = provider("internal/tf/validation/pluginsdk.go", "IsUUID")
ENTRA_OBJECT_IDS = azure("https://learn.microsoft.com/graph/api/resources/serviceprincipal")
"""A service principal's object (`id`) and client (`appId`) IDs are GUIDs."""


def guid(rule_id: str, source: Source = IS_UUID) -> Format:
    """An Entra object, tenant or client ID: 8-4-4-4-12 hex digits."""
    return Format(
        rule_id,
        source,
        pattern=GUID_PATTERN,
        description="a GUID (8-4-4-4-12 hexadecimal digits, e.g. 6f1c2d3e-4a5b-4c6d-8e7f-"
        "8091a2b3c4d5)",
    )


def port(rule_id: str, source: Source) -> Range:
    """A TCP/UDP port number."""
    return Range(rule_id, source, 1, 65535)


# --- durations (time_sleep's create_duration) ----------------------------------------

DURATION_PATTERN = re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h)$")
"""time_sleep's own check of create_duration (one number, one unit): narrower than
a Go duration, which would also take '1m30s', '5us' or '.5s'."""
TIME_SLEEP = provider(
    "internal/provider/resource_time_sleep.go",
    "create_duration stringvalidator.RegexMatches",
    repository="terraform-provider-time v0.13.1",
)


def duration(rule_id: str) -> Format:
    """A duration as time_sleep takes it: '90s', '2m', '1.5h'; '0s' turns a wait off."""
    return Format(
        rule_id,
        TIME_SLEEP,
        pattern=DURATION_PATTERN,
        description="a duration time_sleep takes: one number and one unit (ms, s, m or h), "
        "such as '90s', '2m' or '1.5h'; '0s' for no wait",
    )


# --- resource IDs -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceId(Constraint):
    """An ARM ID of one resource type, e.g. ('Microsoft.Network', 'virtualNetworks',
    'subnets'): /subscriptions/<s>/resourceGroups/<g>/providers/<namespace>/<type>/<n>
    [/<child type>/<n>]. A composite ID (`f"{vnet.id}/subnets/x"`) is checked on its
    literal tail: the segments after the last token must end the right path."""

    namespace: str = ""
    types: tuple[str, ...] = ()
    kind: ClassVar[str] = "format"

    @property
    def _expected(self) -> list[str]:
        path = ["subscriptions", "*", "resourceGroups", "*", "providers", self.namespace]
        for segment in self.types:
            path += [segment, "*"]
        return path

    def problem(self, value: Any) -> str | None:
        if value == "":
            return None  # missing, not malformed: the construct's own rule says so
        if not isinstance(value, str):
            return f"is {value!r}, not a resource ID."
        if "${" in value:
            if value.endswith("}"):
                return None
            tail = literal_parts(value)[-1]
            return None if self._fits_tail(tail) else f"ends in {tail!r}, not {self.describe()}."
        if self._fits(value.split("/")[1:]) and value.startswith("/"):
            return None
        return f"is {value!r}, not {self.describe()}."

    def _fits(self, segments: list[str]) -> bool:
        expected = self._expected
        return len(segments) == len(expected) and all(
            _segment_ok(want, got) for want, got in zip(expected, segments, strict=True)
        )

    def _fits_tail(self, tail: str) -> bool:
        segments = tail.split("/")
        partial, rest = segments[0], segments[1:]
        expected = self._expected
        if not rest:  # text glued to the token's last segment: nothing to check
            return True
        if len(rest) >= len(expected):
            return False
        aligned = expected[len(expected) - len(rest) :]
        if not all(_segment_ok(want, got) for want, got in zip(aligned, rest, strict=True)):
            return False
        before = expected[len(expected) - len(rest) - 1]
        # Text glued to the token ends the segment before the first '/'.
        return partial == "" or before == "*" or before.endswith(partial)

    def describe(self) -> str:
        kind = "/".join((self.namespace, *self.types))
        return (
            f"the ID of a {kind} (/subscriptions/<id>/resourceGroups/<group>/providers/{kind}/...)"
        )


def _segment_ok(want: str, got: str) -> bool:
    """Type segments in the provider's spelling: azurerm's ID parsers compare them
    case-sensitively and refuse `serverfarms` for `serverFarms`, although Azure
    itself returns IDs in either case."""
    return bool(got) if want == "*" else got == want


SUBNET_ID = provider(
    "vendor/github.com/hashicorp/go-azure-helpers/resourcemanager/commonids/subnet.go",
    "ValidateSubnetID",
)


def subnet_id(rule_id: str, source: Source = SUBNET_ID) -> ResourceId:
    return ResourceId(rule_id, source, "Microsoft.Network", ("virtualNetworks", "subnets"))


# --- Key Vault secret URIs ---------------------------------------------------------------

_VAULT_HOST = r"([0-9A-Za-z-]+)\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net)"
SECRET_NAME = r"[0-9A-Za-z-]{1,127}"
SECRET_URI = re.compile(
    rf"^https://{_VAULT_HOST}(?::443)?/secrets/({SECRET_NAME})(?:/([0-9A-Fa-f]{{32}}))?/?$"
)
SECRET_URI_TAIL = re.compile(rf"(?:^|/)secrets/{SECRET_NAME}(?:/[0-9A-Fa-f]{{32}})?/?$")
VAULT_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/([^/]+)$",
    re.IGNORECASE,
)


def secret_uri(rule_id: str, source: Source) -> Format:
    """`https://<vault>.vault.azure.net/secrets/<name>[/<version>]`; composite
    (`f"{vault.vault_uri}secrets/<name>"`): the literal tail `secrets/<name>`."""
    return Format(
        rule_id,
        source,
        pattern=SECRET_URI,
        tail=SECRET_URI_TAIL,
        description="a Key Vault secret URI, https://<vault>.vault.azure.net/secrets/<name> "
        "(name: 1-127 letters, digits and '-'; optionally /<32-hex version>)",
    )


def vault_mismatch(uri: str, vault_id: str) -> str | None:
    """When both are literals: the vault the URI names is not the vault given."""
    if is_unknown(uri) or is_unknown(vault_id):
        return None
    named, given = SECRET_URI.match(uri), VAULT_ID.match(vault_id)
    if named is None or given is None or named.group(1).lower() == given.group(1).lower():
        return None
    return (
        f"the secret URI names vault '{named.group(1)}', but vault is '{given.group(1)}': the "
        "grant would be made on the wrong vault and the reference could not be read."
    )


def secret_name_mismatch(uri: str, secret_name: str | None) -> str | None:
    """When both are literals: secret_name (the grant's scope) is not the URI's secret."""
    if secret_name is None or is_unknown(secret_name) or not isinstance(uri, str):
        return None
    found = SECRET_URI_TAIL.search(literal_parts(uri)[-1]) if "${" in uri else SECRET_URI.match(uri)
    if found is None:
        return None
    name = re.search(rf"secrets/({SECRET_NAME})", found.group(0))
    if name is None or name.group(1) == secret_name:
        return None
    return (
        f"secret_name '{secret_name}' is not the secret the URI names ('{name.group(1)}'): "
        "the grant would cover another secret."
    )


# --- CIDRs and subnet sizes --------------------------------------------------------------

VNET_FAQ = azure(
    "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq"
    "#how-small-and-how-large-can-virtual-networks-and-subnets-be"
)
SUBNET_MINIMUM: dict[str, tuple[int, Source]] = {
    "Microsoft.App/environments": (
        27,
        azure("https://learn.microsoft.com/azure/container-apps/custom-virtual-networks#subnet"),
    ),
    "Microsoft.App/environments (Consumption only)": (
        23,
        azure("https://learn.microsoft.com/azure/container-apps/custom-virtual-networks#subnet"),
    ),
    "Microsoft.Web/serverFarms": (
        28,
        azure(
            "https://learn.microsoft.com/azure/app-service/overview-vnet-integration"
            "#subnet-requirements"
        ),
    ),
    "Microsoft.ContainerInstance/containerGroups": (29, VNET_FAQ),
    "private endpoints": (29, VNET_FAQ),
    "virtual machines": (29, VNET_FAQ),
}
"""The largest prefix length (smallest subnet) each use of a subnet takes.
Container Apps: a workload profiles environment needs /27, a Consumption-only one
/23; App Service VNet integration /28 (/26 recommended); Container Instances and
private endpoints have no minimum of their own: Azure's smallest subnet, /29."""


@dataclass(frozen=True)
class Cidr(Constraint):
    """An IPv4 prefix in CIDR notation (host bits zero), at most `max_prefix` long."""

    max_prefix: int = 29
    kind: ClassVar[str] = "format"

    def problem(self, value: Any) -> str | None:
        if is_unknown(value):
            return None
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except (ValueError, TypeError):
            return f"is {value!r}, not an IPv4 prefix such as 10.40.1.0/24 (host bits zero)."
        if network.prefixlen > self.max_prefix:
            return (
                f"is {value}, a /{network.prefixlen} with {network.num_addresses} addresses; "
                f"the smallest that works here is a /{self.max_prefix}."
            )
        return None

    def describe(self) -> str:
        return f"an IPv4 CIDR prefix of /{self.max_prefix} or larger (host bits zero)"


def subnet_prefix(rule_id: str, service: str) -> Cidr:
    """A subnet prefix for `service` (a key of SUBNET_MINIMUM)."""
    minimum, source = SUBNET_MINIMUM[service]
    return Cidr(rule_id, source, max_prefix=minimum)


def within(prefix: str, space: str) -> bool:
    """Whether a literal subnet prefix lies inside a literal address space."""
    if is_unknown(prefix) or is_unknown(space):
        return True
    try:
        return ipaddress.IPv4Network(prefix).subnet_of(ipaddress.IPv4Network(space))
    except (ValueError, TypeError):
        return True  # a malformed prefix is reported by its own constraint


SUBNET_PREFIXES = {
    service: argument(
        "check_subnet",
        f"prefix, service={service!r}",
        Cidr("subnet-size", source, max_prefix=minimum),
    )
    for service, (minimum, source) in SUBNET_MINIMUM.items()
}
"""The subnet minimum of each use, declared for the inventory (check_subnet)."""
SUBNET_IN_VNET = CrossField(
    "subnet-outside-vnet",
    azure("https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-subnet"),
    fields=("address_prefix", "address_space"),
    description="a subnet prefix inside its virtual network's address space",
    how="Pick a prefix inside the VNet's address space.",
)
argument("check_subnet", "prefix, address_space", SUBNET_IN_VNET)


def check_subnet(
    path: str | ChildPath, prefix: str, service: str, address_space: str | None = None
) -> None:
    """For whoever creates a subnet (stacks/network.py): `prefix` is a CIDR large
    enough for `service` (a key of SUBNET_MINIMUM) and inside `address_space`."""
    check_argument(path, SUBNET_PREFIXES[service], prefix, f"the subnet prefix for {service}")
    if address_space is not None and not within(prefix, address_space):
        raise KitValidationError(
            path,
            SUBNET_IN_VNET.rule_id,
            f"address prefix {prefix} is outside the virtual network's {address_space}.",
            SUBNET_IN_VNET.fix(),
        )
