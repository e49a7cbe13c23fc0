"""`scripts/develop` answers --help at once, and its keys work without a terminal.

None of these needs a running Home Assistant: the help is checked in a copy of the
script whose setup only leaves a mark, the keys with stdin replaced.
"""

import asyncio
from contextlib import suppress
import io
from pathlib import Path
import shutil
import subprocess
import sys
from typing import Any, cast

import pytest

from devtools import develop, ha_harness
from devtools.ha_harness import ManagedProcess

ROOT = ha_harness.REPO_ROOT
# The copy's scripts/setup: leaves a mark and fails, as a long setup would not.
FAKE_SETUP = '#!/bin/sh\ntouch "$(dirname "$0")/../setup-ran"\nexit 1\n'


def _checkout_without_setup(tmp_path: Path) -> Path:
    """Copy scripts/develop and its options module; no .venv, a setup that marks."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    (root / "devtools").mkdir()
    shutil.copy2(ROOT / "scripts" / "develop", root / "scripts" / "develop")
    for name in ("__init__.py", "develop_options.py"):
        shutil.copy2(ROOT / "devtools" / name, root / "devtools" / name)
    setup = root / "scripts" / "setup"
    setup.write_text(FAKE_SETUP, encoding="utf-8")
    setup.chmod(0o755)
    return root


def _develop(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "scripts" / "develop"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_help_and_bad_options_answer_before_the_setup(tmp_path: Path) -> None:
    """--help prints the options and a typo is refused, neither running the setup."""
    root = _checkout_without_setup(tmp_path)

    helped = _develop(root, "--help")
    refused = _develop(root, "--time-scale", "fast")

    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: scripts/develop")
    assert "--export FILE" in helped.stdout
    assert refused.returncode == 2
    assert "--time-scale: invalid float value" in refused.stderr
    assert not (root / "setup-ran").exists()
    # Good options go on to the setup (which fails here).
    assert _develop(root, "--time-scale", "60").returncode == 1
    assert (root / "setup-ran").exists()


def test_an_export_to_replay_must_exist(tmp_path: Path) -> None:
    """`--export` names a file: a missing one is refused before anything starts."""
    with pytest.raises(SystemExit):
        develop.parse_args(["--export", str(tmp_path / "missing.json")])
    dump = tmp_path / "dump.json"
    dump.write_text("{}", encoding="utf-8")

    assert develop.parse_args(["--export", str(dump)]).export == dump


class _FakeChildren:
    """Records the commands `_supervise` hands over."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.checks = 0

    async def obey(self, command: str) -> None:
        self.commands.append(command)

    def check(self) -> None:
        self.checks += 1


async def test_keys_come_from_a_pipe_and_a_closed_stdin_is_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lines piped to stdin are commands; when it closes, the banner's keys are off."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("s\nr\n"))
    said: list[str] = []
    closed = asyncio.Event()

    def say(text: str) -> None:
        said.append(text)
        if text == develop.NO_KEYS:
            closed.set()

    monkeypatch.setattr(develop, "_say", say)
    children = _FakeChildren()
    commands = develop._read_commands()

    supervisor = asyncio.create_task(
        develop._supervise(cast("develop.Children", children), commands)
    )
    async with asyncio.timeout(10):
        await closed.wait()
    supervisor.cancel()
    with suppress(asyncio.CancelledError):
        await supervisor

    assert children.commands == ["s\n", "r\n"]
    assert children.checks >= 2
    assert said == [develop.NO_KEYS]


async def test_no_stdin_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Started without a stdin (None): the queue says at once that none will come."""
    monkeypatch.setattr(sys, "stdin", None)

    commands = develop._read_commands()

    async with asyncio.timeout(10):
        assert await commands.get() is None


class _Process:
    """Stands for a running simulator."""

    def stop(self) -> None:
        """Nothing to stop."""


async def test_a_restart_is_said_before_and_after(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`r`: a line as the simulator goes down, one when it is back; an export serves."""
    started: list[dict[str, Any]] = []

    def start_simulator(port: int, log: Path, **kwargs: Any) -> _Process:
        started.append(kwargs)
        return _Process()

    async def wait_for_simulator(process: _Process) -> str:
        return "http://127.0.0.1:1/photo_voltaic"

    monkeypatch.setattr(ha_harness, "start_simulator", start_simulator)
    monkeypatch.setattr(ha_harness, "wait_for_simulator", wait_for_simulator)
    children = develop.Children(
        config_dir=tmp_path,
        simulator_args=["--export", "dump.json"],
        simulator_port=1,
        hass=cast("ManagedProcess", None),
        account_dir=None,
    )
    await children.start_simulator()

    await children.obey("r\n")

    said = capsys.readouterr().out.splitlines()
    assert said == [
        "Restarting the simulator (it saved its state)...",
        "Simulator restarted: http://127.0.0.1:1/photo_voltaic",
    ]
    assert (
        started == [{"account_dir": None, "extra_args": ["--export", "dump.json"]}] * 2
    )
