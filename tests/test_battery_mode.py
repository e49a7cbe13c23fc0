"""The `izypower_cloud.set_battery_mode` action: checks, writes in order, holds.

The cloud is the HTTP mock of the fixture account: the master Titan (device 640101) is
in intelligent mode with a smart meter in its station; the slave is 640102.
"""

from dataclasses import replace
from datetime import timedelta
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.service import async_get_all_descriptions
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud.api import DeviceType
from custom_components.izypower_cloud.const import DOMAIN
from custom_components.izypower_cloud.devices import EQUIPMENT_MODELS
from custom_components.izypower_cloud.identifiers import device_identifier
from custom_components.izypower_cloud.modes import BatteryMode
from custom_components.izypower_cloud.pending import CONFIRM_TIMEOUT

from .cloud_mock import (
    TITAN_MASTER_SN,
    Endpoint,
    MockCloud,
    advance_time,
    entity_state,
    setup_integration,
)
from .test_controls import STEP, issues, writes
from .test_controls_modes import CHARGE_POWER, CONTROL, MANUAL, manual, settings

pytest_plugins = ["tests.cloud_mock"]

pytestmark = pytest.mark.usefixtures("cloud_clock")

MASTER = 640101
SLAVE = 640102
METER = 640103
INTEGRATION = Path(__file__).parents[1] / "custom_components" / DOMAIN
TO_MANUAL = ("mode", {"ctr_mode": 1})
TO_INTELLIGENT = ("mode", {"ctr_mode": 0})


def device_id(hass: HomeAssistant, cloud_id: int) -> str:
    """Return the device registry id of an equipment."""
    (config_entry,) = hass.config_entries.async_entries(DOMAIN)
    entry = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(cloud_id), config_entry.entry_id
    )
    assert entry is not None
    assert entry is not None
    return entry.id


async def call_action(
    hass: HomeAssistant, target: str | list[str], **data: Any
) -> None:
    """Call the action on Home Assistant device ids."""
    await hass.services.async_call(
        DOMAIN, "set_battery_mode", {ATTR_DEVICE_ID: target, **data}, blocking=True
    )
    await hass.async_block_till_done()


async def set_mode(hass: HomeAssistant, *devices: int, **data: Any) -> None:
    """Call the action on the given equipment."""
    await call_action(hass, [device_id(hass, d) for d in devices or (MASTER,)], **data)


def bodies(cloud: MockCloud) -> list[tuple[str, Any]]:
    """Return the path and body of each write the cloud received, in order."""
    return [(write.key[0], write.json) for write in writes(cloud)]


async def assert_restored_after(
    hass: HomeAssistant,
    cloud: MockCloud,
    clock: FrozenDateTimeFactory,
    quiet: timedelta,
    then: timedelta,
) -> None:
    """Check that nothing is written for `quiet`, and intelligent mode `then` later."""
    await advance_time(hass, clock, quiet)
    assert writes(cloud) == []
    await advance_time(hass, clock, then)
    assert bodies(cloud) == [TO_INTELLIGENT]


def soc(cloud: MockCloud, level: str) -> None:
    """Make the device list show the master's battery level."""
    cloud.device_record(81234, MASTER)["dataDtos"][0]["value"] = level


def storage_key(entry: MockConfigEntry) -> str:
    """Return the storage key of an entry's holds."""
    return f"{DOMAIN}.{entry.entry_id}.battery_mode"


@pytest.fixture
async def loaded(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> MockCloud:
    """Set the fixture account up; no request counted yet."""
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()
    return mock_cloud


async def test_action_registered_without_entry(hass: HomeAssistant) -> None:
    """The action exists as soon as the integration is set up, with no entry."""
    from homeassistant.setup import async_setup_component  # noqa: PLC0415

    assert await async_setup_component(hass, DOMAIN, {})
    assert hass.services.has_service(DOMAIN, "set_battery_mode")


async def test_charge_switches_to_manual_first(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """From intelligent mode: `ctr_mode` 1, then charge at the power asked for."""
    await set_mode(hass, mode="charge", power=1200)

    assert bodies(loaded) == [
        TO_MANUAL,
        ("manual_mode_value", {"mode": 1, "power": 1200}),
    ]
    assert entity_state(hass, CONTROL) == "manual"
    assert entity_state(hass, MANUAL) == "charge"
    assert entity_state(hass, CHARGE_POWER) == "1200.0"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"mode": "standby"}, [("manual_mode_value", {"mode": 0, "power": 0})]),
        (
            {"mode": "discharge"},
            [("manual_mode_value", {"mode": 2, "power": 0})],
        ),
        ({"mode": "intelligent"}, [TO_INTELLIGENT]),
        ({"mode": "calendar"}, [("mode", {"ctr_mode": 2})]),
    ],
)
async def test_modes_from_manual(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    data: dict[str, Any],
    expected: list[tuple[str, Any]],
) -> None:
    """Already in manual mode: one write; standby and an empty power send 0 W."""
    manual(mock_cloud, 1, 600)
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()

    await set_mode(hass, **data)

    assert bodies(mock_cloud) == expected


async def test_confirmed_then_no_repair(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """The action's writes are pending until the cloud shows them, then confirmed."""
    await set_mode(hass, mode="discharge", power=800)
    manual(loaded, 2, 800)
    await advance_time(hass, cloud_clock, STEP)
    await advance_time(hass, cloud_clock, CONFIRM_TIMEOUT)

    assert entity_state(hass, MANUAL) == "discharge"
    assert issues(hass) == []


async def test_never_confirmed_repair_names_the_device(
    hass: HomeAssistant, loaded: MockCloud, cloud_clock: FrozenDateTimeFactory
) -> None:
    """Unconfirmed: the unit's mode shows again and a repair names the device."""
    await set_mode(hass, mode="calendar")
    await advance_time(hass, cloud_clock, CONFIRM_TIMEOUT + STEP)

    assert entity_state(hass, CONTROL) == "intelligent"
    (issue,) = issues(hass)
    assert issue.translation_placeholders == {"name": "Titan Maître"}


async def test_supersedes_a_control_write(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A newer write takes the fields it sets from older pending writes.

    The sub-mode select's write (control mode, sub-mode, power) loses its control mode
    to the action's and keeps the rest; the control mode select's write loses all and
    is dropped; another device's and another setting's writes stay. None of them is
    reported as not applied for a value the cloud was told to replace.
    """
    manual(mock_cloud, 1, 600)
    await setup_integration(hass, mock_config_entry)
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": MANUAL, "option": "standby"},
        blocking=True,
    )
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": CONTROL, "option": "calendar"},
        blocking=True,
    )
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.titan_esclave_discharge_floor", "value": 20},
        blocking=True,
    )
    await set_mode(hass, mode="intelligent")
    pending = mock_config_entry.runtime_data.coordinator.pending
    assert entity_state(hass, CONTROL) == "intelligent"
    # The sub-mode kept from the select's write shows in every mode.
    assert entity_state(hass, MANUAL) == "standby"

    # The cloud shows intelligent mode and standby (the sub-mode select's rest).
    settings(mock_cloud)["mode"] = {"ctr_mode": 0}
    settings(mock_cloud)["manual"] = {"mode": 0, "power": 0}
    slave = mock_cloud.payload(Endpoint.BATTERY_CMD, "IZT24A000102")["data"]
    slave["min_soc"] = 20
    await advance_time(hass, cloud_clock, STEP)
    assert not pending.is_pending(MASTER)
    assert not pending.is_pending(SLAVE)
    await advance_time(hass, cloud_clock, CONFIRM_TIMEOUT)
    assert issues(hass) == []


async def test_slave_refused_naming_the_master(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """A slave unit is refused, with its master's name; nothing sent to either."""
    with pytest.raises(ServiceValidationError) as raised:
        await set_mode(hass, MASTER, SLAVE, mode="charge")

    assert raised.value.translation_key == "slave_unit_master"
    assert raised.value.translation_placeholders == {
        "device": "Titan Esclave",
        "master": "Titan Maître",
    }
    assert writes(loaded) == []


async def test_slave_without_master(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Cluster roles that disagree (no master listed): still refused, plainly."""
    record = mock_cloud.device_record(81234, MASTER)
    record["clusterMode"] = 1001
    record["connectInfoJson"]["clusterMode"] = "1001"
    await setup_integration(hass, mock_config_entry)

    with pytest.raises(ServiceValidationError) as raised:
        await set_mode(hass, SLAVE, mode="charge")

    assert raised.value.translation_placeholders == {
        "device": "Titan Esclave",
        "master": "?",
    }


async def test_intelligent_without_meter_refused(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Intelligent mode needs a smart meter: refused before any request."""
    settings(mock_cloud)["hasMeter"] = False
    manual(mock_cloud, 1, 600)
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()

    with pytest.raises(ServiceValidationError) as raised:
        await set_mode(hass, mode="intelligent")

    assert raised.value.translation_key == "no_meter"
    assert raised.value.translation_placeholders == {"device": "Titan Maître"}
    assert writes(mock_cloud) == []


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {"mode": "charge", "power": 4850},
            "out_of_range",
            {
                "setting": "Power",
                "value": "4,850",
                "allowed": "",
                "low": "0",
                "high": "4,800",
                "step": "50",
            },
        ),
        (
            {"mode": "discharge", "power": 1210},
            "out_of_range",
            {
                "setting": "Power",
                "value": "1,210",
                "allowed": "",
                "low": "0",
                "high": "4,800",
                "step": "50",
            },
        ),
        (
            {"mode": "standby", "power": 500},
            "option_not_applicable",
            {"option": "Power"},
        ),
        (
            {"mode": "intelligent", "until_soc": 80},
            "option_not_applicable",
            {"option": "Until battery level"},
        ),
        (
            {"mode": "charge", "until_soc": 60},
            "until_soc_reached",
            {"device": "Titan Maître", "level": "63.7", "mode": "Charge"},
        ),
        (
            {"mode": "discharge", "until_soc": 70},
            "until_soc_reached",
            {"device": "Titan Maître", "level": "63.7", "mode": "Discharge"},
        ),
    ],
)
async def test_refused_before_any_request(
    hass: HomeAssistant,
    loaded: MockCloud,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """What the cloud would refuse or that makes no sense is refused, translated."""
    with pytest.raises(ServiceValidationError) as raised:
        await set_mode(hass, **data)

    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders == placeholders
    assert writes(loaded) == []


async def test_not_a_titan_refused(hass: HomeAssistant, loaded: MockCloud) -> None:
    """A meter, a station or an unknown device id is not a Titan."""
    (config_entry,) = hass.config_entries.async_entries(DOMAIN)
    station = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "station_81234"), config_entry.entry_id
    )
    assert station is not None
    for target, name in (
        (device_id(hass, METER), "Compteur Linky"),
        (station.id, station.name),
        ("no-such-device", "no-such-device"),
    ):
        with pytest.raises(ServiceValidationError) as raised:
            await call_action(hass, target, mode="standby")
        assert raised.value.translation_key == "not_titan"
        assert raised.value.translation_placeholders == {"device": name}
    assert writes(loaded) == []


async def test_unloaded_entry_refused(
    hass: HomeAssistant, loaded: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A Titan of an unloaded entry cannot be set (nothing knows its state)."""
    titan = device_id(hass, MASTER)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    with pytest.raises(ServiceValidationError) as raised:
        await call_action(hass, titan, mode="standby")
    assert raised.value.translation_key == "not_titan"


async def test_settings_unread(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Settings not read: the mode cannot be checked, nothing is sent."""
    mock_cloud.fail(Endpoint.BATTERY_CMD, TITAN_MASTER_SN, status=500)
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()

    with pytest.raises(HomeAssistantError) as raised:
        await set_mode(hass, mode="standby")
    assert raised.value.translation_key == "control_unavailable"
    assert writes(mock_cloud) == []


async def test_unknown_mode_cannot_be_restored(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """A duration needs the mode to restore: unknown is refused, no duration is not."""
    del settings(mock_cloud)["mode"]
    await setup_integration(hass, mock_config_entry)
    mock_cloud.reset_counts()

    with pytest.raises(ServiceValidationError) as raised:
        await set_mode(hass, mode="charge", duration={"hours": 1})
    assert raised.value.translation_key == "mode_unknown"
    assert writes(mock_cloud) == []

    await set_mode(hass, mode="charge")
    assert len(writes(mock_cloud)) == 2


async def test_cloud_refusal_translated(hass: HomeAssistant, loaded: MockCloud) -> None:
    """A refused write is a translated error; no hold is kept."""
    loaded.fail(
        Endpoint.BATTERY_WRITE,
        ("mode", TITAN_MASTER_SN),
        status=200,
        body={"code": 1, "msg": "no"},
    )

    with pytest.raises(HomeAssistantError) as raised:
        await set_mode(hass, mode="calendar", duration={"hours": 1})
    assert raised.value.translation_key == "action_rejected"


async def test_duration_restores_the_previous_mode(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """After the duration, the mode before the action is set back (and forgotten)."""
    await set_mode(hass, mode="charge", power=1200, duration={"hours": 2})
    (hold,) = hass_storage[storage_key(mock_config_entry)]["data"]["holds"]
    assert (hold["mode"], hold["restore"]) == ("charge", "intelligent")
    manual(loaded, 1, 1200)
    loaded.reset_counts()

    await assert_restored_after(
        hass,
        loaded,
        cloud_clock,
        timedelta(hours=1, minutes=59),
        timedelta(minutes=1),
    )
    assert entity_state(hass, CONTROL) == "intelligent"
    assert hass_storage[storage_key(mock_config_entry)]["data"]["holds"] == []
    await advance_time(hass, cloud_clock, timedelta(hours=2))
    assert len(writes(loaded)) == 1


async def test_chained_actions_restore_the_first_mode(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A second timed action restores the mode before the first, with its power."""
    manual(mock_cloud, 2, 700)
    await setup_integration(hass, mock_config_entry)
    await set_mode(hass, mode="charge", duration={"minutes": 30})
    await set_mode(hass, mode="standby", duration={"minutes": 10})
    mock_cloud.reset_counts()

    await advance_time(hass, cloud_clock, timedelta(minutes=10))

    assert bodies(mock_cloud) == [("manual_mode_value", {"mode": 2, "power": 700})]
    await advance_time(hass, cloud_clock, timedelta(minutes=30))
    assert len(writes(mock_cloud)) == 1


async def test_untimed_action_cancels_the_hold(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A mode set with no end replaces a timed one: nothing is restored later."""
    await set_mode(hass, mode="charge", duration={"minutes": 30})
    await set_mode(hass, mode="standby")
    loaded.reset_counts()

    await advance_time(hass, cloud_clock, timedelta(hours=1))

    assert writes(loaded) == []
    assert hass_storage[storage_key(mock_config_entry)]["data"]["holds"] == []


async def test_hold_survives_a_restart(
    hass: HomeAssistant,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """Stored, the hold is resumed after a restart and ends on time."""
    await set_mode(hass, mode="charge", power=1200, duration={"hours": 2})
    manual(loaded, 1, 1200)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await advance_time(hass, cloud_clock, timedelta(hours=1))
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    loaded.reset_counts()

    await assert_restored_after(
        hass, loaded, cloud_clock, timedelta(minutes=59), timedelta(minutes=1)
    )


async def test_hold_ended_while_stopped_restores_at_setup(
    hass: HomeAssistant,
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A hold that ended while Home Assistant was stopped is restored at setup."""
    await set_mode(hass, mode="charge", duration={"hours": 2})
    manual(loaded, 1, 0)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await advance_time(hass, cloud_clock, timedelta(hours=3))
    loaded.reset_counts()

    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert bodies(loaded) == [TO_INTELLIGENT]


@pytest.mark.parametrize(
    ("mode", "start", "levels", "restore"),
    [
        (
            "charge",
            (0, 0),
            ("79.9%", "80%"),
            ("manual_mode_value", {"mode": 0, "power": 0}),
        ),
        (
            "discharge",
            (1, 500),
            ("20.1%", "19%"),
            ("manual_mode_value", {"mode": 1, "power": 500}),
        ),
    ],
)
async def test_until_soc_restores_the_previous_mode(
    hass: HomeAssistant,
    *,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    mode: str,
    start: tuple[int, int],
    levels: tuple[str, str],
    restore: tuple[str, Any],
) -> None:
    """Charge (discharge) stops at the first refresh showing the level reached."""
    manual(mock_cloud, *start)
    await setup_integration(hass, mock_config_entry)
    until = 80 if mode == "charge" else 20
    if mode == "discharge":
        soc(mock_cloud, "50%")
        await advance_time(hass, cloud_clock, STEP)
    await set_mode(hass, mode=mode, until_soc=until)
    mock_cloud.reset_counts()

    soc(mock_cloud, levels[0])
    await advance_time(hass, cloud_clock, STEP)
    assert writes(mock_cloud) == []
    soc(mock_cloud, levels[1])
    await advance_time(hass, cloud_clock, STEP)

    assert bodies(mock_cloud) == [restore]


async def test_until_soc_waits_for_a_known_level(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """A level the cloud does not send ends nothing; the duration still does."""
    await set_mode(hass, mode="charge", until_soc=90, duration={"hours": 1})
    loaded.device_record(81234, MASTER)["dataDtos"] = []
    loaded.fail(Endpoint.BATTERY, TITAN_MASTER_SN, status=500)
    loaded.reset_counts()

    await assert_restored_after(
        hass, loaded, cloud_clock, timedelta(minutes=57), timedelta(minutes=3)
    )


async def test_failed_restore_is_retried(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A restore the cloud refuses is tried again at the next refresh, with a warning."""
    await set_mode(hass, mode="charge", duration={"minutes": 10})
    # The cloud shows the charge: a failed restore cannot be taken as applied.
    manual(loaded, 1, 0)
    loaded.fail(Endpoint.BATTERY_WRITE, ("mode", TITAN_MASTER_SN), status=500)
    loaded.reset_counts()

    await advance_time(hass, cloud_clock, timedelta(minutes=10))
    assert "trying again at the next refresh" in caplog.text
    failed = len(writes(loaded))
    assert failed >= 1
    loaded.restore(Endpoint.BATTERY_WRITE, ("mode", TITAN_MASTER_SN))
    await advance_time(hass, cloud_clock, STEP)
    assert len(writes(loaded)) == failed + 1
    await advance_time(hass, cloud_clock, STEP)
    assert len(writes(loaded)) == failed + 1


async def test_gone_device_drops_its_hold(
    hass: HomeAssistant,
    *,
    hass_storage: dict[str, Any],
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device gone from the snapshot is not restored; its hold is forgotten."""
    await set_mode(hass, mode="charge", duration={"minutes": 10})
    loaded.reset_counts()
    caplog.set_level(logging.WARNING)
    coordinator = mock_config_entry.runtime_data.coordinator
    station = coordinator.data.stations[81234]
    devices = {k: v for k, v in station.devices.items() if k != MASTER}

    # The hold ends at a refresh whose snapshot no longer has the device.
    cloud_clock.tick(timedelta(minutes=10))
    coordinator.async_set_updated_data(
        replace(
            coordinator.data,
            stations={
                **coordinator.data.stations,
                81234: replace(station, devices=devices),
            },
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert writes(loaded) == []
    assert "no longer restored" in caplog.text
    assert hass_storage[storage_key(mock_config_entry)]["data"]["holds"] == []


async def test_removing_the_entry_deletes_its_holds(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """Removing the entry deletes its stored holds."""
    await set_mode(hass, mode="charge", duration={"minutes": 10})
    assert storage_key(mock_config_entry) in hass_storage

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert storage_key(mock_config_entry) not in hass_storage


async def test_restore_write_issue_uses_device_name(
    hass: HomeAssistant,
    loaded: MockCloud,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """The restore is a write like the action's: pending, then reported if unshown."""
    await set_mode(hass, mode="charge", duration={"minutes": 5})
    manual(loaded, 1, 0)
    await advance_time(hass, cloud_clock, timedelta(minutes=5))
    assert bodies(loaded)[-1] == TO_INTELLIGENT
    await advance_time(hass, cloud_clock, CONFIRM_TIMEOUT + STEP)

    (issue,) = issues(hass)
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {"name": "Titan Maître"}
    assert entity_state(hass, CONTROL) == "manual"


async def test_services_yaml_described_and_translated(
    hass: HomeAssistant, loaded: MockCloud
) -> None:
    """services.yaml loads; every field and selector option is named in each language."""
    descriptions = await async_get_all_descriptions(hass)
    described = descriptions[DOMAIN]["set_battery_mode"]
    # The picker lists the integration's Titans only (the model the registry shows).
    (device_filter,) = described["target"]["device"]
    assert device_filter == {
        "integration": DOMAIN,
        "model": EQUIPMENT_MODELS[DeviceType.BATTERY],
    }
    fields = described["fields"]
    assert set(fields) == {"mode", "power", "duration", "until_soc"}
    options = fields["mode"]["selector"]["select"]["options"]
    for path in (
        INTEGRATION / "strings.json",
        *(INTEGRATION / "translations").glob("*.json"),
    ):
        strings = json.loads(path.read_text())
        service = strings["services"]["set_battery_mode"]
        assert set(service["fields"]) == set(fields), path
        assert all(f["name"] and f["description"] for f in service["fields"].values())
        assert set(strings["selector"]["battery_mode"]["options"]) == set(options)
    icons = json.loads((INTEGRATION / "icons.json").read_text())
    assert icons["services"]["set_battery_mode"]["service"].startswith("mdi:")


async def test_until_soc_zero_is_a_hold(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
) -> None:
    """An `until_soc` of 0 % still restores the previous mode (not read as missing)."""
    await set_mode(hass, mode="discharge", until_soc=0)

    (hold,) = hass_storage[storage_key(mock_config_entry)]["data"]["holds"]
    assert (hold["until_soc"], hold["restore"], hold["ends"]) == (
        0,
        "intelligent",
        None,
    )


async def test_hold_replaced_during_its_restore_stays(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
) -> None:
    """An action answered while a restore is being sent keeps its own, newer hold."""
    await set_mode(hass, mode="charge", duration={"minutes": 10})
    holds = mock_config_entry.runtime_data.holds
    current = holds.get(MASTER)
    assert current is not None
    newer = replace(current, mode=BatteryMode.DISCHARGE, ends=None)

    async def set_mode_meanwhile(*_: Any, **__: Any) -> None:
        await holds.async_hold(newer)

    with patch(
        "custom_components.izypower_cloud.mode_holds.async_set_mode",
        set_mode_meanwhile,
    ):
        await advance_time(hass, cloud_clock, timedelta(minutes=10))

    assert holds.get(MASTER) == newer
    (stored,) = hass_storage[storage_key(mock_config_entry)]["data"]["holds"]
    assert stored["mode"] == "discharge"


async def test_unreadable_stored_holds_are_ignored(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stored hold that cannot be read is dropped with a warning; the others resume."""
    good = {
        "station_id": 81234,
        "device_id": MASTER,
        "name": "Titan Maître",
        # The mode the fixture's master shows: the hold is still in force.
        "mode": "intelligent",
        "restore": "calendar",
        "restore_power": 0,
        "ends": "2026-07-14T11:00:00+00:00",
        "until_soc": None,
    }
    key = storage_key(mock_config_entry)
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "holds": [
                {**good, "mode": "turbo"},
                {**good, "ends": "not a time"},
                {key: value for key, value in good.items() if key != "name"},
                {**good, "device_id": None},
                good,
            ]
        },
    }
    caplog.set_level(logging.WARNING)

    await setup_integration(hass, mock_config_entry)
    await hass.async_block_till_done(wait_background_tasks=True)

    # The readable hold ended before this start: restored at once.
    assert bodies(mock_cloud) == [("mode", {"ctr_mode": 2})]
    assert caplog.text.count("Ignoring a stored battery mode hold") == 4
