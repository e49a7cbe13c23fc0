"""Tests of the config, reauthentication, reconfiguration and options flows."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
import json
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import (
    FlowResult,
    FlowResultType,
    InvalidData,
    section,
)
from homeassistant.helpers import config_validation as cv
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.izypower_cloud import async_migrate_entry
from custom_components.izypower_cloud.api import (
    DEFAULT_BASE_URL,
    IzypowerAuthenticationError,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerResponseError,
    Station,
)
from custom_components.izypower_cloud.const import (
    CONF_API_URL,
    CONF_REFRESH_PERIOD,
    DOMAIN,
    SECTION_ADVANCED_SETTINGS,
)
from custom_components.izypower_cloud.coordinator import IzypowerCoordinator
from custom_components.izypower_cloud.identifiers import entry_title

from .cloud_mock import (
    USERNAME as CLOUD_USERNAME,
    Endpoint,
    MockCloud,
    advance_time,
    setup_integration,
)

pytest_plugins = ["tests.cloud_mock"]

# Home Assistant's deprecation notice for entries that both have an update listener
# and are reloaded by a flow (an error from 2026.12).
UPDATE_LISTENER_WARNING = "update listener"

USERNAME = "Jane.Doe@Example.com"
ACCOUNT_ID = "jane.doe@example.com"
# docs/design.md §3: the first and last letters of the local part, and the domain.
MASKED_TITLE = "j•••e@example.com"
PASSWORD = "s3cret-Pa55word"
NEW_PASSWORD = "n3w-Pa55word"
TEST_SERVER = "http://127.0.0.1:8080/photo_voltaic"

EN = json.loads(
    (
        Path(__file__).parent.parent
        / "custom_components"
        / "izypower_cloud"
        / "translations"
        / "en.json"
    ).read_text()
)

FR = json.loads(
    (
        Path(__file__).parent.parent
        / "custom_components"
        / "izypower_cloud"
        / "translations"
        / "fr.json"
    ).read_text()
)

# What the sign-in check can raise, and the form error each failure shows.
CHECK_FAILURES = [
    (IzypowerAuthenticationError("login refused"), "invalid_auth"),
    (IzypowerConnectionError("timeout"), "cannot_connect"),
    (IzypowerResponseError("error envelope"), "cannot_connect"),
    (IzypowerError("another library error"), "unknown"),
    (RuntimeError("bug"), "unknown"),
]

STATION = Station(
    station_id=81234, name="Maison", installed_capacity=6.4, address="1 rue du Soleil"
)


def _account_input(
    username: str = USERNAME,
    password: str = PASSWORD,
    api_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    """Return what the account form submits."""
    return {
        CONF_USERNAME: username,
        CONF_PASSWORD: password,
        SECTION_ADVANCED_SETTINGS: {CONF_API_URL: api_url},
    }


def _assert_translated(result: FlowResult[Any, Any], flow_kind: str = "config") -> None:
    """Every step, error and abort reason a user can meet has an English text."""
    texts = EN[flow_kind]
    if result["type"] is FlowResultType.FORM:
        assert result["step_id"] in texts["step"]
        for error in (result["errors"] or {}).values():
            assert error in texts["error"]
    elif result["type"] is FlowResultType.ABORT:
        assert result["reason"] in texts["abort"]


def _assert_form_error(result: FlowResult[Any, Any], step_id: str, error: str) -> None:
    """Check that the form of `step_id` is shown again with the error `error`."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step_id
    assert result["errors"] == {"base": error}
    _assert_translated(result)


def _assert_abort(result: FlowResult[Any, Any], reason: str) -> None:
    """Check that the flow ended with the translated abort reason `reason`."""
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    _assert_translated(result)


def _schema(result: FlowResult[Any, Any]) -> probatio.Schema:
    """Return the schema of a form result."""
    schema = result["data_schema"]
    assert schema is not None
    return schema


def _suggested_values(schema: Any) -> dict[str, Any]:
    """Return the prefilled values of a form, sections included."""
    values: dict[str, Any] = {}
    for marker, validator in schema.schema.items():
        if isinstance(validator, section):
            values[str(marker)] = _suggested_values(validator.schema)
        else:
            values[str(marker)] = (marker.description or {}).get("suggested_value")
    return values


@pytest.fixture
def mock_setup_entry() -> Iterator[AsyncMock]:
    """Keep flows from setting up the integration for real."""
    with patch(
        "custom_components.izypower_cloud.async_setup_entry",
        return_value=True,
        create=True,
    ) as setup_entry:
        yield setup_entry


@pytest.fixture
def mock_client() -> Iterator[MagicMock]:
    """Replace the cloud client used by the flows; one station on the account."""
    with patch(
        "custom_components.izypower_cloud.config_flow.IzypowerClient", autospec=True
    ) as client_class:
        client = client_class.return_value
        client.login.return_value = None
        client.get_stations.return_value = [STATION]
        yield client_class


def _add_entry(
    hass: HomeAssistant,
    *,
    unique_id: str = ACCOUNT_ID,
    title: str = USERNAME,
    api_url: str | None = None,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Add an account entry as the user flow creates it."""
    data = {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD}
    if api_url is not None:
        data[CONF_API_URL] = api_url
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=unique_id,
        data=data,
        options=options or {},
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def mock_entry(hass: HomeAssistant) -> MockConfigEntry:
    """Return an account entry of the official cloud."""
    return _add_entry(hass)


async def _start_user_flow(hass: HomeAssistant) -> FlowResult[Any, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    _assert_translated(result)
    return result


# --- user step -----------------------------------------------------------------


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow_creates_entry(
    hass: HomeAssistant, mock_client: MagicMock, mock_setup_entry: AsyncMock
) -> None:
    """A valid account becomes an entry titled by its masked e-mail, keyed by it."""
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(username=f"  {USERNAME} ")
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == MASKED_TITLE
    assert result["data"] == {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD}
    entry: ConfigEntry = result["result"]
    assert entry.unique_id == ACCOUNT_ID
    assert entry.version == 1
    assert entry.minor_version == 3
    client_args = mock_client.call_args
    assert client_args.args[1:] == (USERNAME, PASSWORD)
    assert client_args.kwargs == {"base_url": DEFAULT_BASE_URL}
    mock_client.return_value.login.assert_awaited_once()
    mock_client.return_value.get_stations.assert_awaited_once()
    assert len(mock_setup_entry.mock_calls) == 1


async def test_user_form_keeps_the_api_url_folded(hass: HomeAssistant) -> None:
    """The API URL lives in a collapsed section defaulting to the official cloud."""
    result = await _start_user_flow(hass)

    schema = _schema(result).schema
    advanced = schema[SECTION_ADVANCED_SETTINGS]
    assert advanced.options == {"collapsed": True}
    assert advanced.schema({}) == {CONF_API_URL: DEFAULT_BASE_URL}


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    ("typed_url", "stored_url"),
    [
        (TEST_SERVER, TEST_SERVER),
        (f" {TEST_SERVER}/ ", TEST_SERVER),
        ("https://izypower.example", "https://izypower.example"),
    ],
)
async def test_user_flow_stores_a_custom_api_url(
    hass: HomeAssistant, mock_client: MagicMock, typed_url: str, stored_url: str
) -> None:
    """A non-default API URL is stored, without a trailing slash, and used to sign in."""
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url=typed_url)
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        CONF_API_URL: stored_url,
    }
    assert mock_client.call_args.kwargs == {"base_url": stored_url}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_flow_does_not_store_the_default_api_url(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """Typing the official URL again (even with a slash) stores no URL at all."""
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url=f"{DEFAULT_BASE_URL}/")
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_API_URL not in result["data"]


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize(
    "bad_url",
    [
        "",
        "not a url",
        "ftp://izypower.example/photo_voltaic",
        "http://",
        "https://exa mple.com",
        "http://[::1",
        "https://izypower.example:99999",
        "//izypower.example/photo_voltaic",
        # The client appends its paths: nothing may follow the path.
        "https://izypower.example/photo_voltaic?lang=fr",
        "https://izypower.example/photo_voltaic?",
        "https://izypower.example/photo_voltaic#top",
        "https://izypower.example/photo_voltaic#",
        # Credentials belong in the form, not in a URL stored and logged as is.
        "https://jane@izypower.example/photo_voltaic",
        "https://jane:secret@izypower.example/photo_voltaic",
        "https://:secret@izypower.example/photo_voltaic",
        "https://@izypower.example/photo_voltaic",
    ],
)
async def test_user_flow_rejects_an_invalid_api_url(
    hass: HomeAssistant, mock_client: MagicMock, bad_url: str
) -> None:
    """A URL that is not a plain http(s) base with a host is refused before any request."""
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url=bad_url)
    )

    _assert_form_error(result, "user", "invalid_url")
    mock_client.assert_not_called()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url=TEST_SERVER)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_URL] == TEST_SERVER


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize("failing_call", ["login", "get_stations"])
@pytest.mark.parametrize(("exception", "error"), CHECK_FAILURES)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    mock_client: MagicMock,
    failing_call: str,
    exception: Exception,
    error: str,
) -> None:
    """Each failure shows its message in the form; fixing it then creates the entry."""
    getattr(mock_client.return_value, failing_call).side_effect = exception
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input()
    )

    _assert_form_error(result, "user", error)

    getattr(mock_client.return_value, failing_call).side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input()
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD}


async def test_user_form_after_an_error_keeps_everything_but_the_password(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """The e-mail and API URL are prefilled again; the password is never sent back."""
    mock_client.return_value.login.side_effect = IzypowerAuthenticationError
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url=TEST_SERVER)
    )

    assert _suggested_values(_schema(result)) == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: None,
        SECTION_ADVANCED_SETTINGS: {CONF_API_URL: TEST_SERVER},
    }
    assert PASSWORD not in repr(result)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_unexpected_error_never_reveals_credentials(
    hass: HomeAssistant, mock_client: MagicMock, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception quoting the credentials is logged without its message."""
    mock_client.return_value.login.side_effect = RuntimeError(
        f"POST /login failed for {USERNAME} with password={PASSWORD}"
    )
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input()
    )

    assert result["errors"] == {"base": "unknown"}
    assert PASSWORD not in repr(result)
    assert "RuntimeError" in caplog.text
    assert "Traceback" in caplog.text
    assert PASSWORD not in caplog.text
    assert "password=" not in caplog.text
    for record in caplog.records:
        assert record.exc_info is None
        assert PASSWORD not in record.getMessage()

    mock_client.return_value.login.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input()
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert PASSWORD not in result["title"]
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(
    "typed_username", [USERNAME, ACCOUNT_ID, f"  {USERNAME.upper()}  "]
)
async def test_user_flow_aborts_for_a_configured_account(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_entry: MockConfigEntry,
    typed_username: str,
) -> None:
    """The same account, whatever its case or spacing, cannot be added twice."""
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(username=typed_username)
    )

    _assert_abort(result, "already_configured")
    mock_client.assert_not_called()


async def _flow_waiting_for_confirmation(
    hass: HomeAssistant, mock_client: MagicMock, username: str
) -> FlowResult[Any, Any]:
    """Start a user flow for an account without station; stop at its confirmation."""
    mock_client.return_value.get_stations.return_value = []
    result = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(username=username)
    )
    assert result["step_id"] == "no_stations"
    return result


@pytest.mark.usefixtures("mock_setup_entry")
async def test_abandoned_flow_does_not_block_the_account(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A dialog left open (or closed unnoticed) does not stop a new one (issue 11).

    The account is still added once: the new flow's entry ends the abandoned flow.
    """
    await _flow_waiting_for_confirmation(hass, mock_client, USERNAME)

    second = await _flow_waiting_for_confirmation(hass, mock_client, ACCOUNT_ID)
    second = await hass.config_entries.flow.async_configure(second["flow_id"], {})

    assert second["type"] is FlowResultType.CREATE_ENTRY
    assert [entry.unique_id for entry in hass.config_entries.async_entries(DOMAIN)] == [
        ACCOUNT_ID
    ]
    assert hass.config_entries.flow.async_progress() == []


@pytest.mark.usefixtures("mock_setup_entry")
async def test_flow_confirming_an_account_added_meanwhile_aborts(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """A flow that waited while the same account was added does not add it twice."""
    waiting = await _flow_waiting_for_confirmation(hass, mock_client, USERNAME)
    # The account is added meanwhile, without the other flows hearing of it.
    _add_entry(hass)

    result = await hass.config_entries.flow.async_configure(waiting["flow_id"], {})

    _assert_abort(result, "already_configured")
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.usefixtures("mock_setup_entry")
async def test_account_without_station_needs_confirmation(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """An empty account is accepted after a warning naming the account."""
    mock_client.return_value.get_stations.return_value = []
    result = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url=TEST_SERVER)
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "no_stations"
    assert result["description_placeholders"] == {CONF_USERNAME: USERNAME}
    assert result.get("data_schema") is None
    _assert_translated(result)

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == MASKED_TITLE
    assert result["data"] == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        CONF_API_URL: TEST_SERVER,
    }
    assert result["result"].unique_id == ACCOUNT_ID


# --- reauthentication ------------------------------------------------------------


async def test_reauth_asks_for_the_password_of_the_account(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """The reauth form names the account and only asks for its password."""
    result = await mock_entry.start_reauth_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {
        CONF_USERNAME: USERNAME,
        "name": USERNAME,
    }
    assert [str(marker) for marker in _schema(result).schema] == [CONF_PASSWORD]
    _assert_translated(result)


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reauth_updates_the_password(
    hass: HomeAssistant, mock_client: MagicMock, mock_setup_entry: AsyncMock
) -> None:
    """A valid new password is stored, the rest kept, and the entry reloaded."""
    entry = _add_entry(hass, title="My solar account", api_url=TEST_SERVER)
    result = await entry.start_reauth_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )
    await hass.async_block_till_done()

    _assert_abort(result, "reauth_successful")
    assert dict(entry.data) == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: NEW_PASSWORD,
        CONF_API_URL: TEST_SERVER,
    }
    assert entry.title == "My solar account"
    assert mock_client.call_args.args[1:] == (USERNAME, NEW_PASSWORD)
    assert mock_client.call_args.kwargs == {"base_url": TEST_SERVER}
    assert len(mock_setup_entry.mock_calls) == 1


async def test_reauth_of_an_entry_keyed_to_another_account_aborts(
    hass: HomeAssistant, mock_client: MagicMock
) -> None:
    """Credentials that are not those of the entry's account are refused."""
    entry = _add_entry(
        hass, unique_id="someone.else@example.com", title="someone.else@example.com"
    )
    result = await entry.start_reauth_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )

    _assert_abort(result, "wrong_account")
    assert result["description_placeholders"] == {"username": USERNAME}
    assert entry.data[CONF_PASSWORD] == PASSWORD
    mock_client.assert_not_called()


# --- reconfiguration -------------------------------------------------------------


async def test_reconfigure_form_is_prefilled(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """The form shows the stored e-mail and URL, never the password."""
    result = await mock_entry.start_reconfigure_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    _assert_translated(result)
    schema = _schema(result).schema
    assert _suggested_values(_schema(result)) == {
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: None,
        SECTION_ADVANCED_SETTINGS: {CONF_API_URL: DEFAULT_BASE_URL},
    }
    assert schema[SECTION_ADVANCED_SETTINGS].options == {"collapsed": True}


async def test_reconfigure_form_unfolds_a_custom_api_url(hass: HomeAssistant) -> None:
    """An entry talking to another server shows that URL unfolded."""
    entry = _add_entry(hass, api_url=TEST_SERVER)

    result = await entry.start_reconfigure_flow(hass)

    schema = _schema(result).schema
    assert schema[SECTION_ADVANCED_SETTINGS].options == {"collapsed": False}
    assert _suggested_values(_schema(result))[SECTION_ADVANCED_SETTINGS] == {
        CONF_API_URL: TEST_SERVER
    }


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_updates_the_entry(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    """New password, e-mail spelling and API URL are stored and the entry reloads."""
    result = await mock_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        _account_input(
            username=f" {ACCOUNT_ID} ", password=NEW_PASSWORD, api_url=TEST_SERVER
        ),
    )
    await hass.async_block_till_done()

    _assert_abort(result, "reconfigure_successful")
    assert dict(mock_entry.data) == {
        CONF_USERNAME: ACCOUNT_ID,
        CONF_PASSWORD: NEW_PASSWORD,
        CONF_API_URL: TEST_SERVER,
    }
    assert mock_entry.unique_id == ACCOUNT_ID
    # An entry of version 1.1 (titled with the e-mail) was migrated by the reload.
    assert mock_entry.title == MASKED_TITLE
    assert mock_client.call_args.args[1:] == (ACCOUNT_ID, NEW_PASSWORD)
    assert mock_client.call_args.kwargs == {"base_url": TEST_SERVER}
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.usefixtures("mock_setup_entry", "mock_client")
async def test_reconfigure_back_to_the_official_cloud_drops_the_url(
    hass: HomeAssistant,
) -> None:
    """Going back to the default URL removes the stored one."""
    entry = _add_entry(hass, api_url=TEST_SERVER)
    result = await entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input()
    )
    await hass.async_block_till_done()

    _assert_abort(result, "reconfigure_successful")
    assert dict(entry.data) == {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD}


async def test_reconfigure_with_another_account_aborts(
    hass: HomeAssistant, mock_client: MagicMock, mock_entry: MockConfigEntry
) -> None:
    """Another e-mail is another account: it must be added, not swapped in."""
    result = await mock_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(username="john@example.com")
    )

    _assert_abort(result, "wrong_account")
    assert result["description_placeholders"] == {"username": USERNAME}
    assert mock_entry.data[CONF_USERNAME] == USERNAME
    mock_client.assert_not_called()


@dataclass(frozen=True)
class _Retry:
    """How a flow of an existing entry fails, then succeeds."""

    flow: str
    # The client's call that fails first.
    failing_call: str
    first_input: dict[str, Any]
    retry_input: dict[str, Any]
    # The form shown again with the error, and the flow's end once it succeeds.
    step_id: str
    reason: str


RETRIES = [
    pytest.param(
        _Retry(
            "reauth",
            "login",
            {CONF_PASSWORD: "still-wrong"},
            {CONF_PASSWORD: NEW_PASSWORD},
            "reauth_confirm",
            "reauth_successful",
        ),
        id="reauth",
    ),
    pytest.param(
        _Retry(
            "reconfigure",
            "get_stations",
            _account_input(password=NEW_PASSWORD),
            _account_input(password=NEW_PASSWORD),
            "reconfigure",
            "reconfigure_successful",
        ),
        id="reconfigure",
    ),
]


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize("retry", RETRIES)
@pytest.mark.parametrize(("exception", "error"), CHECK_FAILURES)
async def test_reauth_or_reconfigure_error_then_success(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_entry: MockConfigEntry,
    *,
    retry: _Retry,
    exception: Exception,
    error: str,
) -> None:
    """A still-wrong password or a failed check (or an outage) lets the user retry.

    The entry is left untouched until the retry succeeds.
    """
    failing_call = getattr(mock_client.return_value, retry.failing_call)
    failing_call.side_effect = exception
    result = await getattr(mock_entry, f"start_{retry.flow}_flow")(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], retry.first_input
    )

    _assert_form_error(result, retry.step_id, error)
    assert mock_entry.data[CONF_PASSWORD] == PASSWORD

    failing_call.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], retry.retry_input
    )
    await hass.async_block_till_done()

    _assert_abort(result, retry.reason)
    assert mock_entry.data[CONF_PASSWORD] == NEW_PASSWORD


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_rejects_an_invalid_url_then_accepts_a_good_one(
    hass: HomeAssistant, mock_client: MagicMock, mock_entry: MockConfigEntry
) -> None:
    """The API URL is checked in reconfiguration too, before any request."""
    result = await mock_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url="izypower.example")
    )

    _assert_form_error(result, "reconfigure", "invalid_url")
    mock_client.assert_not_called()

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(api_url=TEST_SERVER)
    )
    await hass.async_block_till_done()

    _assert_abort(result, "reconfigure_successful")
    assert mock_entry.data[CONF_API_URL] == TEST_SERVER


@pytest.mark.parametrize(
    ("api_url", "failure", "collapsed"),
    [
        # The error is about the folded field: unfold it.
        ("izypower.example", None, False),
        # Another server may be why the sign-in failed: show which one was typed.
        (TEST_SERVER, IzypowerConnectionError("timeout"), False),
        # The official cloud failing has nothing to do with the advanced settings.
        (DEFAULT_BASE_URL, IzypowerConnectionError("timeout"), True),
        (DEFAULT_BASE_URL, IzypowerAuthenticationError("refused"), True),
    ],
)
async def test_form_error_unfolds_the_advanced_settings_it_is_about(
    hass: HomeAssistant,
    mock_client: MagicMock,
    mock_entry: MockConfigEntry,
    *,
    api_url: str,
    failure: Exception | None,
    collapsed: bool,
) -> None:
    """An error about the API URL is never shown with its section folded (issue 11)."""
    mock_client.return_value.login.side_effect = failure
    # The user flow adds another account: `mock_entry` is the one reconfigured.
    for start, username in (
        (_start_user_flow, "someone.else@example.com"),
        (mock_entry.start_reconfigure_flow, USERNAME),
    ):
        result = await start(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _account_input(username=username, api_url=api_url)
        )

        assert result["type"] is FlowResultType.FORM
        assert result["errors"]
        advanced = _schema(result).schema[SECTION_ADVANCED_SETTINGS]
        assert advanced.options == {"collapsed": collapsed}


@pytest.mark.usefixtures("mock_setup_entry")
async def test_reconfigure_accepts_an_account_without_station(
    hass: HomeAssistant, mock_client: MagicMock, mock_entry: MockConfigEntry
) -> None:
    """The entry already exists, so an empty account needs no extra confirmation."""
    mock_client.return_value.get_stations.return_value = []
    result = await mock_entry.start_reconfigure_flow(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _account_input(password=NEW_PASSWORD)
    )
    await hass.async_block_till_done()

    _assert_abort(result, "reconfigure_successful")


# --- options ---------------------------------------------------------------------


async def test_options_form_defaults_to_three_minutes(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """The refresh period is a number of minutes, 3 by default."""
    result = await hass.config_entries.options.async_init(mock_entry.entry_id)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    _assert_translated(result, "options")
    schema = _schema(result)
    assert schema({}) == {CONF_REFRESH_PERIOD: 3}
    marker = next(iter(schema.schema))
    selector_config = schema.schema[marker].config
    assert selector_config["min"] == 3
    assert selector_config["max"] == 60
    assert selector_config["unit_of_measurement"] == "min"


async def test_options_form_reaches_the_frontend_as_a_number_box(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """The step checks the bounds itself, yet the frontend still gets them."""
    result = await hass.config_entries.options.async_init(mock_entry.entry_id)

    (field,) = probatio.to_field_list(
        _schema(result), custom_serializer=cv.custom_serializer
    )
    assert field["selector"] == {
        "number": {
            "min": 3.0,
            "max": 60.0,
            "step": 1.0,
            "unit_of_measurement": "min",
            "mode": "box",
        }
    }


async def test_options_form_shows_the_current_period(hass: HomeAssistant) -> None:
    """An entry with a chosen period suggests that period."""
    entry = _add_entry(hass, options={CONF_REFRESH_PERIOD: 15})

    result = await hass.config_entries.options.async_init(entry.entry_id)

    marker = next(iter(_schema(result).schema))
    assert marker.description == {"suggested_value": 15}


@pytest.mark.parametrize("minutes", [3, 10, 60, 7.0])
async def test_options_store_a_valid_period(
    hass: HomeAssistant,
    mock_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
    minutes: float,
) -> None:
    """3 to 60 minutes are accepted and stored as whole minutes; the entry reloads."""
    result = await hass.config_entries.options.async_init(mock_entry.entry_id)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REFRESH_PERIOD: minutes}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_entry.options == {CONF_REFRESH_PERIOD: int(minutes)}
    assert isinstance(mock_entry.options[CONF_REFRESH_PERIOD], int)
    assert len(mock_setup_entry.mock_calls) == 1


@pytest.mark.usefixtures("mock_setup_entry")
@pytest.mark.parametrize("minutes", [2, 61, 0, -5, 2.0, 3.5, 59.99])
async def test_options_reject_a_period_out_of_bounds(
    hass: HomeAssistant, mock_entry: MockConfigEntry, minutes: float
) -> None:
    """The cloud updates every 3 minutes: faster is refused, and so is over an hour.

    The error is the integration's own, translated, in whole minutes: not Home
    Assistant's "Value 2.0 is too small" (issue 11). A corrected value is then stored.
    """
    result = await hass.config_entries.options.async_init(mock_entry.entry_id)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REFRESH_PERIOD: minutes}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_REFRESH_PERIOD: "invalid_refresh_period"}
    _assert_translated(result, "options")
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert [
        language["options"]["error"]["invalid_refresh_period"].format(**placeholders)
        for language in (EN, FR)
    ] == [
        "Enter a whole number of minutes from 3 to 60.",
        "Saisissez un nombre entier de minutes, de 3 à 60.",
    ]
    # The form keeps what was typed, so the user sees what to correct.
    marker = next(iter(_schema(result).schema))
    assert marker.description == {"suggested_value": minutes}
    assert mock_entry.options == {}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REFRESH_PERIOD: 5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_entry.options == {CONF_REFRESH_PERIOD: 5}


async def test_options_reject_what_is_not_a_number(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """Only a number gets as far as the step; anything else is the form's own error."""
    result = await hass.config_entries.options.async_init(mock_entry.entry_id)

    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_REFRESH_PERIOD: "soon"}
        )
    assert mock_entry.options == {}


# --- flows on a loaded entry (real setup against the fake cloud) -------------------


async def _loaded_entry(
    hass: HomeAssistant, entry: MockConfigEntry
) -> IzypowerCoordinator:
    """Set the entry up for real and return its coordinator."""
    await setup_integration(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    coordinator: IzypowerCoordinator = entry.runtime_data.coordinator
    return coordinator


@pytest.mark.usefixtures("cloud_clock")
async def test_options_change_reloads_the_loaded_entry(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    cloud_clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A new period reloads the entry: one login, one full refresh, then its cadence."""
    before = await _loaded_entry(hass, mock_config_entry)
    mock_cloud.reset_counts()

    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REFRESH_PERIOD: 7}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.state is ConfigEntryState.LOADED
    after: IzypowerCoordinator = mock_config_entry.runtime_data.coordinator
    assert after is not before
    assert after.update_interval == timedelta(minutes=7)
    assert mock_cloud.count(Endpoint.LOGIN) == 1
    assert mock_cloud.count(Endpoint.STATIONS) == 1
    assert UPDATE_LISTENER_WARNING not in caplog.text

    # Only the new coordinator polls, every 7 minutes.
    mock_cloud.reset_counts()
    await advance_time(hass, cloud_clock, timedelta(minutes=6, seconds=55))
    assert mock_cloud.count() == 0
    await advance_time(hass, cloud_clock, timedelta(seconds=10))
    assert mock_cloud.count(Endpoint.STATION_INFO) == 2
    assert mock_cloud.count(Endpoint.LOGIN) == 0


@pytest.mark.usefixtures("cloud_clock")
async def test_options_saved_unchanged_do_not_reload(
    hass: HomeAssistant, mock_cloud: MockCloud, mock_config_entry: MockConfigEntry
) -> None:
    """Saving the period already in force costs no login and no refresh."""
    before = await _loaded_entry(hass, mock_config_entry)
    mock_cloud.reset_counts()

    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REFRESH_PERIOD: 3}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.runtime_data.coordinator is before
    assert mock_cloud.count() == 0


@pytest.mark.usefixtures("cloud_clock")
@pytest.mark.parametrize(
    ("flow", "user_input", "reason"),
    [
        pytest.param(
            "reauth",
            {CONF_PASSWORD: NEW_PASSWORD},
            "reauth_successful",
            id="reauth",
        ),
        pytest.param(
            "reconfigure",
            _account_input(username=CLOUD_USERNAME, password=NEW_PASSWORD),
            "reconfigure_successful",
            id="reconfigure",
        ),
    ],
)
async def test_reauth_or_reconfigure_of_a_loaded_entry_reloads_it_quietly(
    hass: HomeAssistant,
    mock_cloud: MockCloud,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    *,
    flow: str,
    user_input: dict[str, Any],
    reason: str,
) -> None:
    """The reload after a reauth or a reconfiguration raises no update-listener notice."""
    before = await _loaded_entry(hass, mock_config_entry)
    result = await getattr(mock_config_entry, f"start_{flow}_flow")(hass)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input
    )
    await hass.async_block_till_done()

    _assert_abort(result, reason)
    assert mock_config_entry.data[CONF_PASSWORD] == NEW_PASSWORD
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_config_entry.runtime_data.coordinator is not before
    assert UPDATE_LISTENER_WARNING not in caplog.text


@pytest.mark.usefixtures("mock_setup_entry", "mock_client")
async def test_reauth_keeps_the_masked_title(hass: HomeAssistant) -> None:
    """Reauthentication of a current entry changes its password, not its title."""
    entry = _add_entry(hass, title=MASKED_TITLE)
    hass.config_entries.async_update_entry(entry, minor_version=2)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: NEW_PASSWORD}
    )
    await hass.async_block_till_done()
    _assert_abort(result, "reauth_successful")
    assert entry.title == MASKED_TITLE
    assert entry.data[CONF_PASSWORD] == NEW_PASSWORD


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # The former default title (the e-mail as typed, or in another case).
        (USERNAME, MASKED_TITLE),
        (ACCOUNT_ID, MASKED_TITLE),
        # A title the user chose stays.
        ("My solar account", "My solar account"),
    ],
)
async def test_migration_masks_the_email_title(
    hass: HomeAssistant, title: str, expected: str
) -> None:
    """Entries 1.1 get the masked title (unless renamed); the unique id stays."""
    entry = _add_entry(hass, title=title)
    assert await async_migrate_entry(hass, entry)
    assert (entry.title, entry.version, entry.minor_version) == (expected, 1, 3)
    assert entry.unique_id == ACCOUNT_ID
    # Already current: nothing changes.
    assert await async_migrate_entry(hass, entry)
    assert entry.title == expected


async def test_migration_refuses_a_later_major_version(hass: HomeAssistant) -> None:
    """An entry written by a later major version (a downgrade) is not migrated."""
    entry = _add_entry(hass)
    hass.config_entries.async_update_entry(entry, version=2)
    assert not await async_migrate_entry(hass, entry)
    assert entry.title == USERNAME


@pytest.mark.parametrize(
    ("username", "title"),
    [
        ("Jean.Dupont@Example.com", "j•••t@example.com"),
        (" ab@x.fr ", "a•••@x.fr"),
        ("not-an-email", "n•••l"),
    ],
)
def test_entry_title_masks_the_email(username: str, title: str) -> None:
    """The first and last letters of the local part, and the domain, remain."""
    assert entry_title(username) == title
    assert username.strip() not in title
