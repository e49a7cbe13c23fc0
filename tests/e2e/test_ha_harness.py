"""Tests of the pieces of devtools.ha_harness that need neither Home Assistant nor the simulator."""

import asyncio
import json
import os
from pathlib import Path
import socket
import sys
import time
from typing import Any

from homeassistant.util.yaml import parse_yaml
import pytest

from devtools import ha_harness
from devtools.ha_harness import HarnessError

pytestmark = pytest.mark.usefixtures("stop_processes")


def _python(tmp_path: Path, code: str) -> ha_harness.ManagedProcess:
    return ha_harness.start_process(
        "fake", [sys.executable, "-c", code], tmp_path / "fake.log"
    )


def _gone(pid: int) -> bool:
    """Return whether `pid` no longer runs (absent, or a zombie nobody reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _wait_gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def fake_integration(tmp_path: Path) -> Path:
    """Return a directory standing in for custom_components/izypower_cloud."""
    integration = tmp_path / "src" / "izypower_cloud"
    integration.mkdir(parents=True)
    (integration / "manifest.json").write_text("{}")
    return integration


@pytest.mark.usefixtures("socket_enabled")
def test_free_port_can_be_bound_on_loopback() -> None:
    """The port returned is free for the child process to bind."""
    port = ha_harness.free_port()
    with socket.socket() as server:
        server.bind((ha_harness.LOOPBACK, port))
    assert 1024 <= port <= 65535


def test_configuration_has_no_http_section_and_quiet_logs() -> None:
    """The generated YAML is what Home Assistant needs and nothing that reaches out.

    No `http:`: Home Assistant 2026.10+ would migrate it as a change to confirm.
    """
    config = parse_yaml(
        ha_harness.render_configuration(extra_integrations=("history",))
    )
    assert isinstance(config, dict)
    assert "http" not in config
    assert config["homeassistant"]["time_zone"] == "Europe/Paris"
    assert config["homeassistant"]["unit_system"] == "metric"
    assert config["logger"]["default"] == "warning"
    assert config["logger"]["logs"] == {"custom_components.izypower_cloud": "debug"}
    assert {"api", "config", "onboarding", "history"} <= config.keys()
    assert "default_config" not in config


def test_write_config_links_the_working_tree(
    tmp_path: Path, fake_integration: Path
) -> None:
    """The integration is linked, not copied, and a second write keeps the link."""
    config_dir = tmp_path / "config"
    ha_harness.write_config(config_dir, 8123, integration_dir=fake_integration)
    link = config_dir / "custom_components" / "izypower_cloud"
    assert link.is_symlink()
    assert link.resolve() == fake_integration.resolve()
    (config_dir / ".storage" / "core.config_entries").write_text("{}")

    ha_harness.write_config(config_dir, 8124, integration_dir=fake_integration)

    assert link.resolve() == fake_integration.resolve()
    assert (config_dir / ".storage" / "core.config_entries").exists()
    http = json.loads((config_dir / ".storage" / "http").read_text())
    assert http["data"]["stable"]["server_port"] == 8124


def test_http_settings_serve_loopback_confirmed(
    tmp_path: Path, fake_integration: Path
) -> None:
    """The HTTP store replaces any pending or failed change: loopback, nothing to confirm."""
    config_dir = tmp_path / "config"
    (config_dir / ".storage").mkdir(parents=True)
    left_by_an_older_run = {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {
            "stable": {"server_port": 8123},
            "pending": {"server_host": ["127.0.0.1"], "error": "not_promoted"},
            "yaml_migration_done": True,
        },
    }
    (config_dir / ".storage" / "http").write_text(json.dumps(left_by_an_older_run))

    ha_harness.write_config(config_dir, 8125, integration_dir=fake_integration)

    path = config_dir / ".storage" / "http"
    store = json.loads(path.read_text())
    assert (store["version"], store["minor_version"], store["key"]) == (2, 2, "http")
    assert store["data"]["pending"] is None
    assert store["data"]["yaml_migration_done"] is True
    stable = store["data"]["stable"]
    assert (stable["server_host"], stable["server_port"]) == (["127.0.0.1"], 8125)
    assert stable["error"] is None
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.usefixtures("socket_enabled")
def test_listening_addresses_reads_this_process_sockets() -> None:
    """A socket listening on loopback is found with its address and port."""
    with socket.socket() as server, socket.socket(socket.AF_INET6) as server6:
        server.bind((ha_harness.LOOPBACK, 0))
        server.listen()
        server6.bind(("::1", 0))
        server6.listen()
        port, port6 = server.getsockname()[1], server6.getsockname()[1]

        found = ha_harness.listening_addresses(os.getpid())

    assert ("127.0.0.1", port) in found
    assert ("::1", port6) in found


def test_write_config_replaces_a_stale_link(
    tmp_path: Path, fake_integration: Path
) -> None:
    """A link left by another checkout is pointed at this one."""
    link = tmp_path / "config" / "custom_components" / "izypower_cloud"
    link.parent.mkdir(parents=True)
    link.symlink_to(tmp_path / "elsewhere")

    ha_harness.write_config(tmp_path / "config", 8123, integration_dir=fake_integration)

    assert link.resolve() == fake_integration.resolve()


def test_write_config_never_deletes_a_real_directory(
    tmp_path: Path, fake_integration: Path
) -> None:
    """A copied integration in the config dir is the developer's: refuse, keep it."""
    copy = tmp_path / "config" / "custom_components" / "izypower_cloud"
    copy.mkdir(parents=True)
    (copy / "edited.py").write_text("")

    with pytest.raises(HarnessError, match="real directory"):
        ha_harness.write_config(
            tmp_path / "config", 8123, integration_dir=fake_integration
        )

    assert (copy / "edited.py").exists()


def test_fill_form_answers_fields_inside_sections() -> None:
    """Values land where the serialized schema asks for them; unknown fields are left out."""
    schema: list[dict[str, Any]] = [
        {"name": "username", "type": "string", "required": True},
        {"name": "password", "type": "string", "required": True},
        {
            "name": "advanced_settings",
            "type": "expandable",
            "schema": [{"name": "api_url", "type": "string"}],
        },
        {"name": "not_given", "type": "string"},
    ]
    values = {"username": "u", "password": "p", "api_url": "http://x", "extra": 1}

    assert ha_harness.fill_form(schema, values) == {
        "username": "u",
        "password": "p",
        "advanced_settings": {"api_url": "http://x"},
    }


def test_stop_kills_the_whole_group_even_when_sigterm_is_ignored(
    tmp_path: Path,
) -> None:
    """A leader and its child that both ignore SIGTERM are killed after the timeout."""
    process = _python(
        tmp_path,
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "time.sleep(60)'])\n"
        "print('child', child.pid, flush=True)\n"
        "time.sleep(60)\n",
    )
    deadline = time.monotonic() + 30
    while "child" not in process.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    child_pid = int(process.log_text().split()[1])
    assert os.getpgid(child_pid) == process.pid

    # Killed (-9) once the 0.5 s after SIGTERM passed: the timeout was honoured.
    assert process.stop(timeout=0.5) == -9
    assert _wait_gone(child_pid)
    assert process not in ha_harness.running_processes()
    # Stopping again is harmless.
    assert process.stop() == -9


def test_stop_all_stops_what_was_started(tmp_path: Path) -> None:
    """The safety net used by fixtures and atexit stops every live process."""
    first = _python(tmp_path, "import time; time.sleep(60)")
    second = _python(tmp_path, "import time; time.sleep(60)")
    assert {first, second} <= set(ha_harness.running_processes())

    ha_harness.stop_all()

    assert not first.running()
    assert not second.running()
    assert first.popen.returncode == second.popen.returncode == -15
    assert ha_harness.running_processes() == []


def test_a_detached_process_outlives_stop_all(tmp_path: Path) -> None:
    """A process started ahead of its test is left to its owner, not to stop_all."""
    detached = ha_harness.detach(_python(tmp_path, "import time; time.sleep(60)"))
    try:
        assert detached not in ha_harness.running_processes()
        ha_harness.stop_all()
        assert detached.running()
    finally:
        detached.stop()
    assert not detached.running()


async def test_wait_for_simulator_reads_its_ready_line(tmp_path: Path) -> None:
    """The URL printed by the simulator is the one returned."""
    process = _python(
        tmp_path,
        "import time\n"
        "print('starting')\n"
        "time.sleep(0.3)\n"
        "print('izypower-simulator listening on "
        "http://127.0.0.1:5555/photo_voltaic', flush=True)\n"
        "time.sleep(60)\n",
    )

    url = await ha_harness.wait_for_simulator(process, give_up_after=10)

    assert url == "http://127.0.0.1:5555/photo_voltaic"


async def test_waiting_fails_fast_when_the_process_dies(tmp_path: Path) -> None:
    """A crash is reported at once with its exit code and its last output."""
    process = _python(tmp_path, "print('Traceback: boom'); raise SystemExit(3)")

    with pytest.raises(HarnessError) as failure:
        await ha_harness.wait_for_simulator(process, give_up_after=30)

    assert "exited with code 3" in str(failure.value)
    assert "Traceback: boom" in str(failure.value)


async def test_waiting_times_out_with_the_log_tail(tmp_path: Path) -> None:
    """A hang is reported after the timeout with what the process said last."""
    process = _python(
        tmp_path, "import time; print('still loading', flush=True); time.sleep(60)"
    )

    async def never() -> None:
        return None

    with pytest.raises(HarnessError) as failure:
        await ha_harness.poll_until(
            "something", never, give_up_after=1.0, watch=[process], interval=0.05
        )

    message = str(failure.value)
    assert "timed out after 1 s waiting for something" in message
    assert "still loading" in message


async def test_a_hanging_probe_does_not_outlive_the_timeout() -> None:
    """A request stuck inside the probe is cut at the deadline."""

    async def hangs() -> bool:
        await asyncio.sleep(60)
        return True

    # Not cut, the probe would answer after 60 s and no error would be raised.
    with pytest.raises(HarnessError, match="timed out after 1 s waiting for a hang"):
        await ha_harness.poll_until("a hang", hangs, give_up_after=1.0)
