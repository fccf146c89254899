"""What the CLI tests share: invoking the command line and reading its answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from healthstore import HealthStore
from healthstore.cli import app


def run(
    runner: CliRunner,
    *args: str | Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> Result:
    """``healthstore ARGS…`` in this process."""
    return runner.invoke(app, [str(a) for a in args], env=env, input=input)


def ok(
    runner: CliRunner,
    *args: str | Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> Result:
    """A run that must succeed."""
    result = run(runner, *args, env=env, input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def failed(result: Result) -> str:
    """The error message of a failed run (exit 1, one line, no traceback), after any
    confirmation prompt."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    prompt, error, message = result.stderr.rpartition("error: ")
    assert error, result.stderr
    assert not prompt or prompt.rstrip().endswith("[y/N]:"), result.stderr
    return error + message


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def new_store(path: Path) -> Path:
    """An empty plain store at ``path``."""
    HealthStore.create(path).close()
    return path
