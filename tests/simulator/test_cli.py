"""The command line: starts, prints its URL, serves, stops cleanly on SIGTERM."""

import asyncio
import contextlib
import os
from pathlib import Path
import signal
import sys

import aiohttp
import pytest

from izypower_simulator.cli import build_parser, main

from .conftest import ACCOUNT_DIR, PASSWORD, USERNAME

REPO_ROOT = Path(__file__).parent.parent.parent
READY_TIMEOUT_S = 30


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "izypower_simulator",
        *args,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return process, line.decode().strip()


async def _stop(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> int:
    if process.returncode is None:
        process.send_signal(sig)
    try:
        return await asyncio.wait_for(process.wait(), 15)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_cli_serves_the_fixture_account(stop_signal: signal.Signals) -> None:
    """--port 0 picks a free port, printed on one line; the signal ends it with status 0."""
    process, line = await _start(
        "--account",
        str(ACCOUNT_DIR),
        "--port",
        "0",
        "--time-scale",
        "0",
        "--fail-endpoint",
        "battery",
    )
    try:
        prefix = "izypower-simulator listening on http://127.0.0.1:"
        assert line.startswith(prefix)
        assert line.endswith("/photo_voltaic")
        url = line.removeprefix("izypower-simulator listening on ")
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{url}/api/login", json={"username": USERNAME, "password": PASSWORD}
            ) as response:
                token = (await response.json())["data"]["token"]
            headers = {"x-tts-access-token": token}
            async with session.get(
                f"{url}/api/v3/powerStations/info/81234", headers=headers
            ) as response:
                assert (await response.json())["power"] == 2233
            async with session.get(
                f"{url}/izy/v2/battery/IZT24A000101", headers=headers
            ) as response:
                assert response.status == 500
    finally:
        assert await _stop(process, stop_signal) == 0


@pytest.mark.usefixtures("socket_enabled")
async def test_cli_generated_account_and_hanging_request_do_not_block_shutdown() -> (
    None
):
    """A generated account; a request hanging in a fault still lets SIGTERM finish quickly."""
    process, line = await _start(
        "--stations",
        "5",
        "--devices",
        "4",
        "--port",
        "0",
        "--start",
        "2026-07-14T12:00:00+02:00",
        "--hang-rate",
        "1",
        "--password",
        "pw",
    )
    url = line.removeprefix("izypower-simulator listening on ")
    try:
        async with aiohttp.ClientSession() as session:
            request = asyncio.ensure_future(
                session.post(
                    f"{url}/api/login", json={"username": USERNAME, "password": "pw"}
                )
            )
            await asyncio.sleep(0.3)
            returncode = await _stop(process)
            stderr = await process.stderr.read() if process.stderr else b""
            assert returncode == 0, stderr.decode()
            # Released at shutdown: answered or cut, but never left hanging.
            with contextlib.suppress(aiohttp.ClientError):
                response = await asyncio.wait_for(request, 5)
                response.release()
    finally:
        await _stop(process)


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """Argument errors exit with status 2 before anything starts."""
    for argv in (
        [],
        ["--account", "x", "--stations", "2"],
        ["--stations", "0"],
        ["--stations", "2", "--error-rate", "3"],
        ["--stations", "2", "--start", "2026-07-14T12:00:00"],
        ["--account", "/nonexistent"],
        ["--stations", "2", "--fail-endpoint", "nope"],
    ):
        with pytest.raises(SystemExit) as raised:
            main(argv)
        assert raised.value.code == 2, argv
    assert "izypower-simulator: error" in capsys.readouterr().err


def test_parser_documents_every_fault_flag() -> None:
    """Every FaultConfig knob has a flag."""
    help_text = build_parser().format_help()
    for flag in (
        "--latency-ms",
        "--error-rate",
        "--html-error-rate",
        "--hang-rate",
        "--hang-seconds",
        "--malformed-json-rate",
        "--force-401",
        "--fail-endpoint",
        "--counter-glitch",
        "--counter-glitch-periods",
        "--midnight-lag",
    ):
        assert flag in help_text
