"""What importing the kit changes in a user's process (docs/using.md "What importing
the kit changes"), the one switch that turns it all off, and a user's program
that uses another jsii provider package beside the kit: the same bytes whether
that package is imported before or after the kit, or with the switch on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from azure_identity_kit import _cdktf

RANDOM = {"cdktf": "cdktf_cdktf_provider_random", "cdktn": "cdktn_provider_random"}
SILENCE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"
KIT_ENV = ("AZURE_IDENTITY_KIT_", SILENCE, "NODE_OPTIONS")

USER_PROGRAM = r"""
import importlib, json, os, sys
mode, package, outdir = sys.argv[1:4]
if mode == "other-first":
    random = importlib.import_module(package)
from azure_identity_kit import UserAssignedIdentity, UserAssignedIdentityProps
from azure_identity_kit._cdktf import App, TerraformStack
from azure_identity_kit.azurerm import provider
if mode == "kit-first":
    random = importlib.import_module(package)
app = App(outdir=outdir)
stack = TerraformStack(app, "probe")
provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
random.provider.RandomProvider(stack, "random")
pet = random.pet.Pet(stack, "suffix", length=2)
UserAssignedIdentity(
    stack,
    "identity",
    UserAssignedIdentityProps(
        name="id-probe", resource_group_name="rg", location="westeurope", tags={"pet": pet.id}
    ),
)
app.synth()
"""


def _clean_env(tmp_path: Path, **switches: str) -> dict[str, str]:
    """The caller's environment without anything the kit reads or sets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(KIT_ENV)}
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env.update(switches, TMPDIR=str(scratch))
    return env


def _run_user_program(tmp_path: Path, mode: str, **switches: str) -> bytes:
    outdir = tmp_path / f"out-{mode}-{len(switches)}"
    # jsii's Node 20 banner is silenced by the user here: with the other package
    # imported first, or the switch on, the kernel starts before the kit could.
    done = subprocess.run(
        [sys.executable, "-c", USER_PROGRAM, mode, RANDOM[_cdktf.TOOLCHAIN], str(outdir)],
        cwd=tmp_path,
        env=_clean_env(tmp_path, **{SILENCE: "20"}, **switches),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", "nothing printed: no banner, no preload error"
    assert list((tmp_path / "tmp").iterdir()) == [], "the Node preload is removed"
    return (outdir / "stacks" / "probe" / "cdk.tf.json").read_bytes()


def test_another_jsii_provider_gives_the_same_bytes_before_or_after_the_kit(tmp_path):
    kit_first = _run_user_program(tmp_path, "kit-first")
    doc = json.loads(kit_first)
    assert "random_pet" in doc["resource"] and "azurerm_user_assigned_identity" in doc["resource"]
    assert _run_user_program(tmp_path, "other-first") == kit_first
    switched_off = _run_user_program(tmp_path, "kit-first", AZURE_IDENTITY_KIT_EAGER_PROVIDER="1")
    assert switched_off == kit_first, "the switch changes nothing in the output either"


PROBE = r"""
import json, os, sys
before_env = dict(os.environ)
before_modules = set(sys.modules)
import azure_identity_kit.azurerm  # the kit, cdktf and the provider bindings
keys = set(os.environ) | set(before_env)
changed = sorted(k for k in keys if os.environ.get(k) != before_env.get(k))
provider = sys.modules.get(azure_identity_kit.azurerm.PACKAGE)
print(json.dumps({
    "env": changed,
    "light_provider": getattr(provider, "__azure_identity_kit_light__", False),
    "cached_typing": azure_identity_kit._cdktf._CACHED_TYPING is not None,
    "pipelined": list(azure_identity_kit._cdktf.PIPELINED_ASSEMBLIES),
}))
"""


def _probe(tmp_path: Path, **switches: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=_clean_env(tmp_path, **switches),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_import_changes_what_the_readme_says_and_no_more(tmp_path):
    found = _probe(tmp_path)
    assert found["env"] == ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"], (
        "NODE_OPTIONS (and cdktn's creation-stack switch) are restored once Node has started"
    )
    assert found["light_provider"] is (_cdktf.TOOLCHAIN == "cdktf")
    assert found["cached_typing"] is True and found["pipelined"]


def test_the_one_switch_turns_all_of_it_off(tmp_path):
    found = _probe(tmp_path, AZURE_IDENTITY_KIT_EAGER_PROVIDER="1")
    assert found == {
        "env": [],
        "light_provider": False,
        "cached_typing": False,
        "pipelined": [],
    }


@pytest.mark.parametrize("value", ["0", ""])
def test_the_switch_is_off_unless_set_to_something_else(tmp_path, value):
    assert _probe(tmp_path, AZURE_IDENTITY_KIT_EAGER_PROVIDER=value)["pipelined"]
