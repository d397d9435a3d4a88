"""The constraint tests' fixtures: the pinned Terraform and the real provider
plugins, the same session fixtures tests/test_validate.py uses."""

from test_validate import plugins, real, terraform  # noqa: F401 - fixtures
