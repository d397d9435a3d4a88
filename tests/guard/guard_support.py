"""Helpers for the guard tests: small stacks in fresh test apps, synthesized for
real (aspects only run at synth), and the annotations they leave behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from azure_identity_kit._cdktf import App, TerraformStack, Testing
from azure_identity_kit.azurerm import provider
from azure_identity_kit.guard import apply_guard

ERROR = "@cdktf/error"
WARNING = "@cdktf/warn"


def new_stack(name: str = "bad") -> TerraformStack:
    """A stack with an azurerm provider in a fresh test app (Testing.synth_scope is
    broken in Python; a stack without provider fails cdktf's own validation)."""
    stack = TerraformStack(Testing.app(), name)
    provider.AzurermProvider(stack, "azurerm", features=[provider.AzurermProviderFeatures()])
    return stack


@dataclass
class Outcome:
    """What a full synth of a guarded stack left behind."""

    app: App
    stack: TerraformStack
    synth_error: str | None
    annotations: list[tuple[str, str, str]] = field(default_factory=list)
    """(level, construct path, message) of every error and warning annotation."""

    def rule_ids(self) -> set[str]:
        return {message.split("[", 1)[1].split("]", 1)[0] for _, _, message in self.annotations}

    def of(self, rule_id: str) -> list[tuple[str, str, str]]:
        return [a for a in self.annotations if f"[{rule_id}]" in a[2]]

    def stack_json(self) -> Path:
        return Path(self.app.outdir) / "stacks" / self.stack.node.id / "cdk.tf.json"


def synth_guarded(stack: TerraformStack, *, guard: bool = True) -> Outcome:
    """apply_guard + a full app.synth(); the error is kept instead of raised."""
    if guard:
        apply_guard(stack)
    app = stack.node.scope
    try:
        app.synth()
        error = None
    except RuntimeError as raised:  # jsii re-raises cdktf's Error as RuntimeError
        error = str(raised)
    found = [
        (entry.type, construct.node.path, str(entry.data))
        for construct in stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type in (ERROR, WARNING)
    ]
    return Outcome(app, stack, error, found)
