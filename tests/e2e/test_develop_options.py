"""Tests of scripts/develop's options and state that need no running Home Assistant."""

from pathlib import Path
import socket
import sys

import aiohttp
import pytest

from devtools import develop, ha_harness
from devtools.develop import DevelopState
from devtools.ha_harness import HarnessError


def test_options_come_from_the_environment_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every option has an environment variable; the command line wins over it."""
    monkeypatch.setenv("IZYPOWER_HA_PORT", "9123")
    monkeypatch.setenv("IZYPOWER_SIMULATOR_PORT", "9124")
    monkeypatch.setenv("IZYPOWER_TIME_SCALE", "60")
    monkeypatch.setenv("IZYPOWER_OFFLINE", "1")
    monkeypatch.setenv("IZYPOWER_CONFIG_DIR", "/srv/ha-dev")

    from_env = develop.parse_args([])
    given = develop.parse_args(["--port", "8200", "--time-scale", "0"])

    assert (from_env.port, from_env.simulator_port) == (9123, 9124)
    assert from_env.time_scale == 60
    assert from_env.offline is True
    assert from_env.config == Path("/srv/ha-dev")
    assert (given.port, given.time_scale) == (8200, 0)
    monkeypatch.setenv("IZYPOWER_OFFLINE", "0")
    assert develop.parse_args([]).offline is False


def test_defaults_serve_the_usual_port_from_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without options: port 8123, real time, the git-ignored config/ of the checkout."""
    for name in ("HA_PORT", "SIMULATOR_PORT", "TIME_SCALE", "OFFLINE", "CONFIG_DIR"):
        monkeypatch.delenv(f"IZYPOWER_{name}", raising=False)

    args = develop.parse_args([])

    assert args.port == 8123
    assert args.time_scale == 1
    assert args.offline is False
    assert args.fresh is False
    assert args.config == ha_harness.REPO_ROOT / "config"


def test_state_is_kept_for_the_developer_only(tmp_path: Path) -> None:
    """The owner's password is saved for the next run, readable by its owner alone."""
    assert DevelopState.load(tmp_path) is None
    state = DevelopState(username="dev", password="pw", simulator_url="http://x")

    state.save(tmp_path)

    assert DevelopState.load(tmp_path) == state
    assert (tmp_path / develop.STATE_FILE).stat().st_mode & 0o777 == 0o600


@pytest.mark.usefixtures("socket_enabled", "stop_processes")
async def test_a_busy_port_stops_it_before_anything_starts(tmp_path: Path) -> None:
    """Another Home Assistant on the port gives a clear message, not a crash later."""
    with socket.socket() as other_server:
        other_server.bind((ha_harness.LOOPBACK, 0))
        other_server.listen()
        busy_port = other_server.getsockname()[1]
        args = develop.parse_args(
            ["--config", str(tmp_path / "config"), "--port", str(busy_port)]
        )

        with pytest.raises(HarnessError, match=f"port {busy_port} for Home Assistant"):
            await develop.develop(args, started_at=0)

    assert not (tmp_path / "config").exists()
    assert ha_harness.running_processes() == []


async def _api_answers(url: str) -> bool:
    async with aiohttp.ClientSession() as session:
        try:
            admin = url.rsplit("/", 1)[0] + "/_simulator"
            async with session.get(admin) as response:
                return response.status == 200
        except aiohttp.ClientConnectionError:
            return False


@pytest.mark.usefixtures("socket_enabled", "stop_processes")
async def test_the_simulator_stops_and_starts_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typing s stops the cloud, s again starts it on its port; Home Assistant stays up.

    A simulator that dies is reported, and is no reason to stop Home Assistant.
    """
    hass = ha_harness.start_process(
        "home-assistant",
        [sys.executable, "-c", "import time; time.sleep(600)"],
        tmp_path / "hass.log",
    )
    children = develop.Children(
        config_dir=tmp_path,
        simulator_args=["--time-scale", "0", "--state-file", str(tmp_path / "s")],
        simulator_port=ha_harness.free_port(),
        hass=hass,
    )
    url = await children.start_simulator()
    assert await _api_answers(url)

    await children.obey("s\n")
    assert children.simulator is None
    assert not await _api_answers(url)
    await children.obey("s\n")
    assert await _api_answers(url)
    await children.obey("r\n")
    assert await _api_answers(url)
    assert (tmp_path / "s").exists()
    await children.obey("?\n")

    assert children.simulator is not None
    children.simulator.popen.kill()
    children.simulator.popen.wait()
    children.check()

    assert children.simulator is None
    assert hass.running()
    said = capsys.readouterr().out
    assert "Home Assistant now sees a cloud outage" in said
    assert f"Simulator started again: {url}" in said
    assert f"Simulator restarted: {url}" in said
    assert develop.KEYS_HELP in said
    assert "The simulator stopped on its own (code -9)" in said


@pytest.mark.usefixtures("stop_processes")
def test_home_assistant_stopping_on_its_own_stops_the_command(tmp_path: Path) -> None:
    """Without Home Assistant there is nothing to show: the command ends, with its log."""
    hass = ha_harness.start_process(
        "home-assistant", [sys.executable, "-c", "print('bye')"], tmp_path / "h.log"
    )
    hass.popen.wait()
    children = develop.Children(
        config_dir=tmp_path, simulator_args=[], simulator_port=1, hass=hass
    )

    with pytest.raises(HarnessError, match="home-assistant stopped on its own"):
        children.check()
