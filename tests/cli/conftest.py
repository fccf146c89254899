"""Fixtures of the CLI tests: a runner that sees no store or colour from the environment,
and an empty store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.support import new_store


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("HEALTHSTORE_DIR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return new_store(tmp_path / "store")
