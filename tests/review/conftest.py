"""Keep the review tests independent of the caller's FORMAT / FAIL_ON environment."""

import pytest


@pytest.fixture(autouse=True)
def _clean_review_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORMAT", "FAIL_ON", "AZURE_IDENTITY_KIT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
