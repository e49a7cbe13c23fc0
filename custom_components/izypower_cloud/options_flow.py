"""Options flow of Izypower Cloud: how often the cloud is polled."""

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import UnitOfTime
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import probatio

from .const import (
    CONF_REFRESH_PERIOD,
    DEFAULT_REFRESH_PERIOD,
    MAX_REFRESH_PERIOD,
    MIN_REFRESH_PERIOD,
)


class _MinutesSelector(NumberSelector):
    """A number box of whole minutes whose bounds the options step checks itself.

    Home Assistant's number selector checks its bounds while the form is validated and
    answers with an untranslated "Value 2.0 is too small"; this one only reads the
    number, so the step can report a translated error (`_refresh_period_error`). The
    bounds stay in the selector's configuration, which the frontend shows.
    """

    @override
    def __call__(self, data: Any) -> float:
        """Return the number typed, whatever its bounds."""
        value: float = probatio.Coerce(float)(data)
        return value


_OPTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Required(
            CONF_REFRESH_PERIOD, default=DEFAULT_REFRESH_PERIOD
        ): _MinutesSelector(
            NumberSelectorConfig(
                min=MIN_REFRESH_PERIOD,
                max=MAX_REFRESH_PERIOD,
                step=1,
                unit_of_measurement=UnitOfTime.MINUTES,
                mode=NumberSelectorMode.BOX,
            )
        ),
    }
)
# Shown in the options error (translations say "from {min} to {max}").
_OPTIONS_PLACEHOLDERS = {"min": str(MIN_REFRESH_PERIOD), "max": str(MAX_REFRESH_PERIOD)}


def _refresh_period_error(minutes: float) -> str | None:
    """Return the form error of a refresh period, or None for a whole number in bounds."""
    if minutes != int(minutes) or not (
        MIN_REFRESH_PERIOD <= minutes <= MAX_REFRESH_PERIOD
    ):
        return "invalid_refresh_period"
    return None


class IzypowerOptionsFlow(OptionsFlowWithReload):
    """Let the user choose how often the cloud is polled.

    Saving changed options reloads the entry (a new login and one full refresh), so
    the coordinator is rebuilt with the new period; the entry has no update listener.
    """

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the refresh period."""
        errors: dict[str, str] = {}
        suggestions: Mapping[str, Any] = self.config_entry.options
        if user_input is not None:
            minutes: float = user_input[CONF_REFRESH_PERIOD]
            if (error := _refresh_period_error(minutes)) is None:
                # The number selector yields a float; the option is whole minutes.
                return self.async_create_entry(
                    data={
                        **self.config_entry.options,
                        CONF_REFRESH_PERIOD: int(minutes),
                    }
                )
            errors[CONF_REFRESH_PERIOD] = error
            suggestions = user_input
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _OPTIONS_SCHEMA, suggestions
            ),
            errors=errors,
            description_placeholders=_OPTIONS_PLACEHOLDERS,
        )
