"""The one source of what only your organisation knows: `environments.toml`.

Why a checked-in TOML file (and not cdktf context or environment variables):
- it is reviewed like code: a pull request that changes which repository may
  sign in, or who administers SQL, shows in the diff;
- it has comments, so the shipped demo values can say that they are demo
  values and how to find the real ones (cdktf.json's context is JSON);
- environment variables remain for what differs per run, not per organisation:
  the provider's authentication (IDKIT_AUTH, IDKIT_MSI_CLIENT_ID) and the remote
  state location the deploy workflow passes (IDKIT_STATE_*, stacks/backend.py).

The file is typed by the dataclasses it fills (EnvironmentConfig,
BootstrapConfig): pydantic checks it against them in strict mode, so a wrong
type, an unknown key (a typo) or a missing required value is refused at synth,
one error per field, naming the table and key. `IDKIT_CONFIG` names another
file (for example a fork's own), read instead of the one in the repository.

Demo values: the repository ships values that let `make synth` and `make test`
run on a fresh clone. They are listed in DEMO_VALUES; a stack that still holds
one synthesizes, but carries a deploy gate (azure_identity_kit.deploy_gate):
`terraform plan` (so `cdktf deploy`) and `make preflight` refuse it, one rule ID
per value.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from azure_identity_kit.deploy_gate import GateFinding
from azure_identity_kit.errors import KitValidationError
from pydantic import TypeAdapter, ValidationError

from .bootstrap import BootstrapConfig
from .config import EnvironmentConfig

CONFIG_FILE = Path(__file__).resolve().parent.parent / "environments.toml"
CONFIG_ENV = "IDKIT_CONFIG"
TABLES = ("defaults", "environments", "bootstrap")
INHERITED_BY_BOOTSTRAP = ("workload", "location")
"""[defaults] keys the bootstrap takes too, unless [bootstrap] sets them."""

DEMO_SSH_PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMHZtuQiQa9Oc8Wa7gxtyVvRfLoefHQFS7MOW1OBv3eQ "
    "placeholder-replace-me"
)
"""The public half of a throwaway key whose private half was discarded."""


@dataclass(frozen=True)
class DemoValue:
    """A value environments.toml ships with so that a fresh clone synthesizes,
    which must be replaced before a deploy."""

    key: str
    value: object
    rule_id: str
    why: str
    fix: str

    def held_by(self, value: object) -> bool:
        if isinstance(value, tuple | list):  # a list holding the demo entry (SSH keys)
            return any(isinstance(entry, str) and str(self.value) in entry for entry in value)
        return value == self.value


DEMO_VALUES: tuple[DemoValue, ...] = (
    DemoValue(
        "workload",
        "idkit",
        "demo-workload",
        "it is part of every resource name, and the registry, storage, Key Vault, Cosmos DB, "
        "SQL and app names it makes are globally unique in Azure: the demo's are taken.",
        "Set your workload's short name (lowercase letters and digits, e.g. 'shop').",
    ),
    DemoValue(
        "sql_admin_group_name",
        "sg-idkit-sql-admins",
        "demo-sql-admin-group-name",
        "the SQL server's Entra administrator would be a group that does not exist.",
        "Set the display name of your Entra group that administers Azure SQL.",
    ),
    DemoValue(
        "sql_admin_group_object_id",
        "00000000-0000-0000-0000-000000000000",
        "demo-sql-admin-group-object-id",
        "no Entra group has this object ID; the SQL server would have no administrator.",
        "Set the group's object ID: az ad group show --group <name> --query id -o tsv.",
    ),
    DemoValue(
        "ops_ssh_public_keys",
        DEMO_SSH_PUBLIC_KEY.split()[1],  # the key itself, whatever its comment says
        "demo-ssh-public-key",
        "nobody holds the private half of the demo key, so nobody could sign in to the VM "
        "with SSH keys (only Entra ID sign-in would remain).",
        "List your team's OpenSSH public keys (ssh-ed25519 or ssh-rsa 3072+), or remove the "
        "demo key.",
    ),
    DemoValue(
        "github_repository",
        "your-org/azure-identity-kit",
        "demo-github-repository",
        "the deploy and plan identities would trust the workflows of a repository that is "
        "not yours.",
        "Set '<owner>/<repo>' of the repository whose workflows deploy.",
    ),
    DemoValue(
        "state_storage_account",
        "stidkittfstate",
        "demo-state-storage-account",
        "storage account names are globally unique in Azure: the demo's is taken.",
        "Set a free name (3-24 lowercase letters and digits), or IDKIT_STATE_STORAGE_ACCOUNT.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Everything environments.toml says, typed, and where each value came from."""

    environments: dict[str, EnvironmentConfig]
    bootstrap: BootstrapConfig
    source: Path
    origins: Mapping[tuple[str, str], str]
    """(stack, field) -> where that stack's value of the field is set."""

    def deploy_findings(self, stack: str, config: object) -> list[GateFinding]:
        """What keeps `stack` (with its final `config`) from being deployed: each
        demo value it still holds, one finding per value."""
        findings = []
        for demo in DEMO_VALUES:
            if hasattr(config, demo.key) and demo.held_by(getattr(config, demo.key)):
                where = self.origins.get((stack, demo.key), f"{self.source.name} {demo.key}")
                findings.append(
                    GateFinding(
                        demo.rule_id,
                        where,
                        f"still the demo value {demo.value!r}: {demo.why}",
                        demo.fix,
                    )
                )
        return findings


class ConfigError(KitValidationError):
    """environments.toml is not what the stacks need: one problem per field."""

    def __init__(self, source: Path, problems: Sequence[KitValidationError]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            source.name,
            self.problems[0].rule_id,
            f"{len(self.problems)} setting(s) cannot be used:\n{lines}\n",
            "Correct each setting in the file (docs/first-deploy.md, Configuration).",
        )


_ENVIRONMENT = TypeAdapter(EnvironmentConfig)
_BOOTSTRAP = TypeAdapter(BootstrapConfig)


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    chosen = env.get(CONFIG_ENV, "").strip()
    return Path(chosen) if chosen else CONFIG_FILE


@cache
def default_settings() -> Settings:
    """The settings every command uses: IDKIT_CONFIG's file, else the repository's
    environments.toml, read once per process."""
    return load_settings(config_path())


def load_settings(path: Path) -> Settings:
    """Read and check one settings file. Raises ConfigError listing every bad field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            path,
            [
                KitValidationError(
                    str(path),
                    "config-missing-file",
                    "The settings file does not exist.",
                    "Create it (copy environments.toml from the repository), or unset "
                    f"{CONFIG_ENV}.",
                )
            ],
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            path,
            [
                KitValidationError(
                    path.name, "config-syntax", f"Not valid TOML: {error}.", "Fix the syntax."
                )
            ],
        ) from None
    problems: list[KitValidationError] = [
        _problem(
            path,
            (key,),
            "config-unknown-key",
            f"Unknown table [{key}].",
            f"Use {', '.join(TABLES)}.",
        )
        for key in data
        if key not in TABLES
    ]
    defaults = _table(path, data, "defaults", problems)
    environments_table = _table(path, data, "environments", problems)
    bootstrap_table = _table(path, data, "bootstrap", problems)
    if not environments_table and not problems:
        problems.append(
            _problem(
                path,
                ("environments",),
                "config-no-environment",
                "No environment is defined.",
                "Add an [environments.<name>] table, e.g. [environments.dev].",
            )
        )
    environments: dict[str, EnvironmentConfig] = {}
    origins: dict[tuple[str, str], str] = {}
    for name, own in environments_table.items():
        if not isinstance(own, dict):
            problems.append(
                _problem(
                    path,
                    ("environments", name),
                    "config-type",
                    "Not a table.",
                    f"Write it as [environments.{name}].",
                )
            )
            continue
        values = {**defaults, **own, "name": name}
        for key in values:
            table = f"environments.{name}" if key in own else "defaults"
            origins[(name, key)] = f"{path.name} [{table}] {key}"
        config = _validate(
            path,
            _ENVIRONMENT,
            values,
            lambda key, n=name, o=own: ("environments", n, key) if key in o else ("defaults", key),
            problems,
        )
        if config is not None:
            environments[name] = config
    bootstrap_values = {
        **{key: defaults[key] for key in INHERITED_BY_BOOTSTRAP if key in defaults},
        **bootstrap_table,
    }
    for key in bootstrap_values:
        table = "bootstrap" if key in bootstrap_table else "defaults"
        origins[("bootstrap", key)] = f"{path.name} [{table}] {key}"
    bootstrap = _validate(
        path,
        _BOOTSTRAP,
        bootstrap_values,
        lambda key: (
            ("defaults", key)
            if key in INHERITED_BY_BOOTSTRAP and key not in bootstrap_table
            else ("bootstrap", key)
        ),
        problems,
    )
    if problems:  # a [defaults] value is checked once per environment: report it once
        unique = {(str(problem), problem.rule_id): problem for problem in problems}
        raise ConfigError(path, list(unique.values()))
    assert bootstrap is not None
    return Settings(environments, bootstrap, path, origins)


def _table(
    path: Path, data: dict[str, Any], name: str, problems: list[KitValidationError]
) -> dict[str, Any]:
    value = data.get(name, {})
    if isinstance(value, dict):
        return value
    problems.append(
        _problem(path, (name,), "config-type", "Not a table.", f"Write it as [{name}].")
    )
    return {}


def _problem(
    path: Path, where: Sequence[object], rule_id: str, problem: str, fix: str
) -> KitValidationError:
    return KitValidationError(f"{path.name}:{'.'.join(map(str, where))}", rule_id, problem, fix)


def _validate(
    path: Path,
    adapter: TypeAdapter[Any],
    values: dict[str, Any],
    locate: Any,
    problems: list[KitValidationError],
) -> Any:
    """`values` as the adapter's dataclass, strictly typed (TOML arrays are JSON
    arrays, so tuples and tables validate as they would from JSON); each error
    becomes one problem at its table and key."""
    try:
        return adapter.validate_json(json.dumps(values, default=str), strict=True)
    except ValidationError as failure:
        for error in failure.errors():
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, KitValidationError):  # the dataclass's own cross-field rules
                problems.append(cause)
                continue
            loc = [str(part) for part in error["loc"]]
            where = (*locate(loc[0]), *loc[1:]) if loc else ("?",)
            problems.append(_type_problem(path, where, error["type"], error["msg"], error))
        return None
    except KitValidationError as failure:
        problems.append(failure)
        return None


def _type_problem(
    path: Path, where: Sequence[object], kind: str, message: str, error: Any
) -> KitValidationError:
    """One pydantic error as the kit's error: a missing value, an unknown key, or
    a value of the wrong type or format."""
    if kind == "missing":
        return _problem(path, where, "config-missing", f"{message}.", "Set it: it has no default.")
    given = f"{message} (given: {error['input']!r})."
    if kind == "unexpected_keyword_argument":
        return _problem(
            path,
            where,
            "config-unknown-key",
            given,
            "Remove it, or correct its spelling (the fields of EnvironmentConfig, "
            "BootstrapConfig).",
        )
    return _problem(path, where, "config-type", given, "Use a value of the documented type.")
