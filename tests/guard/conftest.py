"""Session fixtures of the guard tests: the project's own app, built and
synthesized once, and the guard's findings on it."""

from __future__ import annotations

import pytest
from azure_identity_kit._cdktf import TerraformStack


@pytest.fixture(scope="session")
def good_app(tmp_path_factory: pytest.TempPathFactory):
    """The project's own app (stacks.build_app: guarded), synthesized once."""
    from stacks import build_app

    app = build_app(outdir=str(tmp_path_factory.mktemp("guard-good")))
    app.synth()  # raises if the guard finds an error
    return app


@pytest.fixture(scope="session")
def good_findings(good_app):
    """Every finding (suppressed or not) per stack of the project's app."""
    from azure_identity_kit.guard import check_stack

    return {
        stack.node.id: check_stack(stack)
        for stack in good_app.node.children
        if TerraformStack.is_stack(stack)
    }
