"""Config, reauthentication and reconfiguration flows of Izypower Cloud.

The options flow is in options_flow.py.
"""

from collections.abc import Mapping
import traceback
from typing import Any, override

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .api import (
    DEFAULT_BASE_URL,
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerConnectionError,
    IzypowerResponseError,
    normalize_base_url,
)
from .const import CONF_API_URL, DOMAIN, LOGGER, SECTION_ADVANCED_SETTINGS
from .identifiers import entry_title
from .options_flow import IzypowerOptionsFlow

_USERNAME_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
)
_PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)


def _account_schema(*, advanced_collapsed: bool) -> probatio.Schema:
    """Return the e-mail + password form, with the API URL in a section of its own.

    Home Assistant deprecates "advanced mode" for flows in favour of sections; the API URL
    only matters to people testing against another server, so it stays folded away.
    """
    return probatio.Schema(
        {
            probatio.Required(CONF_USERNAME): _USERNAME_SELECTOR,
            probatio.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
            probatio.Required(SECTION_ADVANCED_SETTINGS): section(
                probatio.Schema(
                    {
                        probatio.Required(
                            CONF_API_URL, default=DEFAULT_BASE_URL
                        ): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
                    }
                ),
                {"collapsed": advanced_collapsed},
            ),
        }
    )


_REAUTH_SCHEMA = probatio.Schema({probatio.Required(CONF_PASSWORD): _PASSWORD_SELECTOR})


def _account_id(username: str) -> str:
    """Return the unique id of an account: the e-mail is case-insensitive."""
    return username.strip().lower()


def _entry_data(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Turn the account form into config entry data (docs/design.md §3).

    The API URL is stored only when it differs from the official cloud, so entries of
    ordinary users follow a change of the default in a later release. Raise ValueError
    when the API URL is unusable (the client's own rule, so flow and client agree).
    """
    data = {
        CONF_USERNAME: user_input[CONF_USERNAME].strip(),
        CONF_PASSWORD: user_input[CONF_PASSWORD],
    }
    api_url = normalize_base_url(user_input[SECTION_ADVANCED_SETTINGS][CONF_API_URL])
    if api_url != DEFAULT_BASE_URL:
        data[CONF_API_URL] = api_url
    return data


def _unfold_advanced(
    user_input: Mapping[str, Any] | None, errors: Mapping[str, str]
) -> bool:
    """Tell whether a form shown again after an error unfolds the advanced settings.

    The error itself is shown at the top of the form (Home Assistant maps no error to a
    field inside a section). Unfolding shows the field it is about: an invalid API URL,
    or any failure with an API URL of another server, which may well be the cause.
    """
    if user_input is None or not errors:
        return False
    api_url = user_input[SECTION_ADVANCED_SETTINGS][CONF_API_URL]
    return errors.get("base") == "invalid_url" or api_url != DEFAULT_BASE_URL


def _form_suggestions(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return what to prefill after an error: everything but the password."""
    return {key: value for key, value in user_input.items() if key != CONF_PASSWORD}


def _log_unexpected_error(err: Exception) -> None:
    """Log an unexpected failure without its message.

    The message of an exception we did not plan for may echo the request, and so the
    e-mail or the password: log its type and stack, which are enough for a bug report.
    """
    LOGGER.error(
        "Unexpected %s while checking the Izypower Cloud account "
        "(message withheld, it may contain credentials). Traceback:\n%s",
        type(err).__name__,
        "".join(traceback.format_tb(err.__traceback__)),
    )


class IzypowerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add, re-authenticate and reconfigure an Izypower Cloud account."""

    VERSION = 1
    # 1.2: the title is the masked e-mail; 1.3: entries of the community integration
    # are adopted (async_migrate_entry in __init__.py).
    MINOR_VERSION = 3

    _pending_entry_data: dict[str, str]

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> IzypowerOptionsFlow:
        """Return the options flow of an entry."""
        return IzypowerOptionsFlow()

    async def _async_check_account(
        self, entry_data: Mapping[str, Any]
    ) -> tuple[str | None, int]:
        """Sign in and list the stations; return (form error key or None, station count)."""
        client = IzypowerClient(
            async_get_clientsession(self.hass),
            entry_data[CONF_USERNAME],
            entry_data[CONF_PASSWORD],
            base_url=entry_data.get(CONF_API_URL, DEFAULT_BASE_URL),
        )
        try:
            await client.login()
            stations = await client.get_stations()
        except IzypowerAuthenticationError:
            return "invalid_auth", 0
        except IzypowerConnectionError, IzypowerResponseError:
            return "cannot_connect", 0
        except Exception as err:  # noqa: BLE001 - any failure must end as a form error
            _log_unexpected_error(err)
            return "unknown", 0
        return None, len(stations)

    async def _async_claim_account(
        self, username: str, entry: ConfigEntry | None
    ) -> None:
        """Give the flow the account's unique id, aborting when it clashes.

        A new account (no entry) must not be configured already; reauthentication and
        reconfiguration must stay on the account their entry was created for.

        Another flow in progress for the same account does not stop a new one: it may
        be a dialog the user closed without Home Assistant ever hearing of it, which
        would block the account until a restart. The account is still added once:
        creating the entry aborts the other flows of the account (Home Assistant does
        that), and `_async_create_account_entry` checks again before creating.
        """
        if entry is None:
            await self.async_set_unique_id(
                _account_id(username), raise_on_progress=False
            )
            self._abort_if_unique_id_configured()
            return
        await self.async_set_unique_id(_account_id(username), raise_on_progress=False)
        self._abort_if_unique_id_mismatch(
            reason="wrong_account",
            description_placeholders={CONF_USERNAME: entry.data[CONF_USERNAME]},
        )

    async def _async_check_account_form(
        self, user_input: Mapping[str, Any], entry: ConfigEntry | None
    ) -> tuple[dict[str, str], str | None, int]:
        """Check the account form of a new (no entry) or reconfigured account.

        Return the entry data it yields, the form error key or None, and the number of
        stations of the account.
        """
        try:
            entry_data = _entry_data(user_input)
        except ValueError:
            return {}, "invalid_url", 0
        await self._async_claim_account(entry_data[CONF_USERNAME], entry)
        error, station_count = await self._async_check_account(entry_data)
        return entry_data, error, station_count

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the Izypower app account and check it."""
        errors: dict[str, str] = {}
        suggestions: dict[str, Any] = {}
        if user_input is not None:
            suggestions = _form_suggestions(user_input)
            entry_data, error, station_count = await self._async_check_account_form(
                user_input, None
            )
            if error is not None:
                errors["base"] = error
            elif station_count == 0:
                self._pending_entry_data = entry_data
                return await self.async_step_no_stations()
            else:
                return self._async_create_account_entry(entry_data)

        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(
                    advanced_collapsed=not _unfold_advanced(user_input, errors)
                ),
                suggestions,
            ),
            errors=errors,
        )

    async def async_step_no_stations(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Warn that the account has no station yet before adding it anyway."""
        if user_input is not None:
            return self._async_create_account_entry(self._pending_entry_data)
        return self.async_show_form(
            step_id="no_stations",
            description_placeholders={
                CONF_USERNAME: self._pending_entry_data[CONF_USERNAME]
            },
        )

    @callback
    def _async_create_account_entry(
        self, entry_data: dict[str, str]
    ) -> ConfigFlowResult:
        # Another flow of the account may have added it while this one waited for the
        # cloud or for the user's confirmation.
        self._abort_if_unique_id_configured()
        # The cloud returns no account name we can rely on; the masked e-mail tells
        # accounts apart without putting the address into Home Assistant's logs.
        return self.async_create_entry(
            title=entry_title(entry_data[CONF_USERNAME]), data=entry_data
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-authentication after the cloud refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password of the account and check it."""
        entry = self._get_reauth_entry()
        username: str = entry.data[CONF_USERNAME]
        errors: dict[str, str] = {}
        if user_input is not None:
            await self._async_claim_account(username, entry)
            new_password: str = user_input[CONF_PASSWORD]
            error, _ = await self._async_check_account(
                {**entry.data, CONF_PASSWORD: new_password}
            )
            if error is None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: new_password}
                )
            errors["base"] = error

        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={CONF_USERNAME: username},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the e-mail, password or API URL of an existing account entry."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is None:
            suggestions: dict[str, Any] = {
                CONF_USERNAME: entry.data[CONF_USERNAME],
                SECTION_ADVANCED_SETTINGS: {
                    CONF_API_URL: entry.data.get(CONF_API_URL, DEFAULT_BASE_URL)
                },
            }
        else:
            suggestions = _form_suggestions(user_input)
            entry_data, error, _ = await self._async_check_account_form(
                user_input, entry
            )
            if error is None:
                # Replace the data rather than merge it: going back to the official
                # cloud must drop a previously stored API URL.
                # The title stays: the account (unique id) is the same, and so is
                # its masked e-mail, unless the user renamed the entry.
                return self.async_update_reload_and_abort(entry, data=entry_data)
            errors["base"] = error

        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                # Unfold the section when the entry already talks to another server.
                _account_schema(
                    advanced_collapsed=CONF_API_URL not in entry.data
                    and not _unfold_advanced(user_input, errors)
                ),
                suggestions,
            ),
            errors=errors,
        )
