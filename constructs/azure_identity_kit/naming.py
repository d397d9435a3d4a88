"""Azure naming rules for what the kit creates, checked before synth writes anything.

Names that are unresolved tokens (for example from a TerraformVariable) are
left to Azure: they cannot be known here.
"""

import re
from dataclasses import dataclass

from ._cdktf import is_token
from .errors import ChildPath, KitValidationError


@dataclass(frozen=True)
class NameRule:
    rule_id: str
    kind: str
    pattern: re.Pattern[str]
    description: str


CONTAINER_APP = NameRule(
    "name-container-app",
    "container app",
    re.compile(r"^(?!.*--)[a-z][a-z0-9-]{0,30}[a-z0-9]$"),
    "2-32 lowercase letters, digits and '-', starting with a letter, ending alphanumeric, no '--'",
)
CONTAINER_REGISTRY = NameRule(
    "name-container-registry",
    "container registry",
    re.compile(r"^[a-zA-Z0-9]{5,50}$"),
    "5-50 letters and digits only",
)
USER_ASSIGNED_IDENTITY = NameRule(
    "name-user-assigned-identity",
    "user-assigned identity",
    re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$"),
    "3-128 letters, digits, '-' and '_', starting with a letter or digit",
)
KEY_VAULT = NameRule(
    "name-key-vault",
    "key vault",
    re.compile(r"^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$"),
    "3-24 letters, digits and '-', starting with a letter, ending alphanumeric, no '--'",
)
STORAGE_ACCOUNT = NameRule(
    "name-storage-account",
    "storage account",
    re.compile(r"^[a-z0-9]{3,24}$"),
    "3-24 lowercase letters and digits only",
)

CONTAINER_GROUP = NameRule(
    "name-container-group",
    "container group",
    re.compile(r"^(?!.*--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"),
    "1-63 lowercase letters, digits and '-', not starting or ending with '-', no '--'",
)
CONTAINER_GROUP_CONTAINER = NameRule(
    "name-aci-container",
    "container (in a container group)",
    re.compile(r"^(?!.*--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"),
    "1-63 lowercase letters, digits and '-', not starting or ending with '-', no '--'",
)
ACI_DNS_LABEL = NameRule(
    "name-aci-dns-label",
    "DNS name label",
    re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$"),
    "3-63 lowercase letters, digits and '-', starting with a letter, ending alphanumeric",
)
LINUX_VM = NameRule(
    "name-linux-vm",
    "Linux virtual machine",
    re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?$"),
    "1-64 letters, digits and '-', starting and ending with a letter or digit",
)
LINUX_COMPUTER_NAME = NameRule(
    "name-linux-computer-name",
    "Linux computer (host) name",
    re.compile(r"^(?!\d+$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?$"),
    "1-64 letters, digits and '-', starting and ending with a letter or digit, not only digits",
)
APP_SERVICE = NameRule(
    "name-app-service",
    "web app or function app",
    re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,58}[a-zA-Z0-9])$"),
    "2-60 letters, digits and '-', starting and ending with a letter or digit "
    "(it becomes <name>.azurewebsites.net)",
)
SERVICE_PLAN = NameRule(
    "name-service-plan",
    "App Service plan",
    re.compile(r"^[a-zA-Z0-9-]{1,60}$"),
    "1-60 letters, digits and '-'",
)

COSMOS_ACCOUNT = NameRule(
    "name-cosmos-account",
    "Cosmos DB account",
    re.compile(r"^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$"),
    "3-44 lowercase letters, digits and '-', not starting or ending with '-'",
)
COSMOS_CHILD = NameRule(
    "name-cosmos-child",
    "Cosmos DB database or container",
    re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"),
    "1-255 letters, digits, '-' and '_', starting with a letter or digit (the kit's subset "
    "of what Cosmos DB allows: no '/', '\\', '#', '?')",
)
SQL_SERVER = NameRule(
    "name-sql-server",
    "Azure SQL server",
    re.compile(r"^(?!.*--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"),
    "1-63 lowercase letters, digits and '-', not starting or ending with '-'",
)
SQL_DATABASE = NameRule(
    "name-sql-database",
    "Azure SQL database",
    re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$"),
    "1-128 letters, digits, '-' and '_', starting with a letter or digit (the kit's subset "
    "of what Azure SQL allows, so names are safe in T-SQL and file names)",
)


def check_name(rule: NameRule, name: str, path: str | ChildPath) -> str:
    """Return `name` unchanged, or raise naming the construct path and the rule."""
    if not isinstance(name, str) or not name:
        raise KitValidationError(
            path, rule.rule_id, f"The {rule.kind} name is empty.", f"Use {rule.description}."
        )
    if is_token(name):
        return name
    if not rule.pattern.match(name):
        raise KitValidationError(
            path,
            rule.rule_id,
            f"'{name}' is not a valid {rule.kind} name.",
            f"Use {rule.description}.",
        )
    return name
