"""A deprecated call made by our code fails the test run; other code's do not.

Two ways a deprecation shows up: a Python `DeprecationWarning` (an error for our
modules through pyproject's pytest `filterwarnings`), and Home Assistant's own report
in its log (`no_deprecated_calls` in conftest.py).
"""

import logging
from typing import Any
import warnings

from homeassistant.core import HomeAssistant
from homeassistant.helpers.frame import report_usage
from homeassistant.loader import async_get_integration
import pytest

from custom_components.izypower_cloud.const import DOMAIN

from .conftest import deprecation_reports

# A library function deprecated the usual way: the warning names its caller's line.
LIBRARY = """
import warnings

def old_call():
    warnings.warn("old_call is deprecated", DeprecationWarning, stacklevel=2)
"""
CALLER = "def use_it():\n    old_call()\n"


def _module(name: str, source: str, **names: Any) -> dict[str, Any]:
    """Run `source` as if it were the module `name` and return its namespace."""
    namespace: dict[str, Any] = {"__name__": name, **names}
    exec(compile(source, f"{name.replace('.', '/')}.py", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize(
    "module", ["custom_components.izypower_cloud.coordinator", "izypower_simulator.app"]
)
def test_deprecation_warning_caused_by_our_code_is_an_error(module: str) -> None:
    """Our module calling a deprecated function raises instead of warning."""
    library = _module("homeassistant.helpers.old", LIBRARY)
    ours = _module(module, CALLER, old_call=library["old_call"])

    with pytest.raises(DeprecationWarning, match="old_call is deprecated"):
        ours["use_it"]()


@pytest.mark.parametrize("module", ["homeassistant.components.other", "aiohttp.web"])
def test_deprecation_warning_of_other_code_stays_a_warning(module: str) -> None:
    """Home Assistant's or a library's own deprecated calls do not fail our tests."""
    library = _module("homeassistant.helpers.old", LIBRARY)
    theirs = _module(module, CALLER, old_call=library["old_call"])

    with pytest.warns(DeprecationWarning, match="old_call is deprecated"):
        theirs["use_it"]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs["use_it"]()
    assert [type(item.message) for item in caught] == [DeprecationWarning]


async def test_home_assistant_report_of_our_call_is_caught(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant logs, rather than warns, a custom integration's deprecated call."""
    await async_get_integration(hass, DOMAIN)
    report_usage(
        "calls `something.old`, which is deprecated",
        breaks_in_ha_version="2099.1.0",
        integration_domain=DOMAIN,
    )
    logging.getLogger("homeassistant.helpers.deprecation").warning(
        "The deprecated %s %s was %s from %s.%s Use %s instead, please %s",
        "function",
        "old_helper",
        "used",
        DOMAIN,
        "",
        "new_helper",
        "report it",
    )
    # Home Assistant's own deprecation notices (here: a test's websocket command).
    logging.getLogger("homeassistant.components.config.device_registry").warning(
        "The websocket command config/device_registry/remove_config_entry is "
        "deprecated and will be removed in Home Assistant 2027.9; use "
        "config/device_registry/remove instead"
    )

    reports = deprecation_reports(caplog.records)

    assert len(reports) == 2
    assert reports[0].startswith(
        "Detected that custom integration 'izypower_cloud' calls `something.old`"
    )
    assert "old_helper was used from izypower_cloud" in reports[1]
    # This test caused them on purpose: keep `no_deprecated_calls` from failing it.
    caplog.clear()
