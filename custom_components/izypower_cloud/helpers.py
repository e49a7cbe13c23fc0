"""The write path's error mapping: library errors become translated Home Assistant errors.

Entity actions (set a number, turn a switch on, press a button) and services send
writes to the cloud. Whatever goes wrong reaches the user as a translated message
rather than a traceback, the same way for every action: `cloud_errors` is the one
mapping, `izypower_exception_handler` applies it to an entity method, and a service
handler wraps its calls in `with cloud_errors(hass, entry):`.

The mapping does not refresh the coordinator after a write: what a write changes (and
so whether a slow refresh is needed) is for each action to say.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import IzypowerAuthenticationError, IzypowerConnectionError, IzypowerError
from .const import DOMAIN
from .entity import IzypowerEntity
from .runtime import IzypowerConfigEntry
from .words import number

# A user action (an entity's service call, an action) ends within this, whatever the
# cloud does: the reads it decides from, the write's attempts and any read-back share it.
ACTION_TIMEOUT: Final = 20.0


class IzypowerWriteUncertainError(IzypowerConnectionError):
    """A write was sent but the cloud never answered: it may have been applied."""


@dataclass(slots=True)
class ActionProgress:
    """How far a user action got: `writing` once its first write may be sent."""

    writing: bool = False


@asynccontextmanager
async def action_time_limit() -> AsyncIterator[ActionProgress]:
    """Bound a user action to `ACTION_TIMEOUT`; say whether a change may be applied.

    The caller sets `writing` before its first write: a timeout before it means
    nothing was sent, after it that the change may still be applied.
    """
    progress = ActionProgress()
    try:
        async with asyncio.timeout(ACTION_TIMEOUT):
            yield progress
    except TimeoutError as err:
        raise _error(
            "action_may_be_applied" if progress.writing else "action_connection_failed"
        ) from err


class IzypowerValidationError(Exception):
    """A value our own checks refused, before any request was sent.

    Raised by the write path (an entity action, a service) when the user asks for
    something the cloud would refuse or misread, such as a charge limit out of range.
    It is the user's mistake, not a failure: it becomes a `ServiceValidationError`.
    """

    def __init__(
        self,
        setting: str,
        value: object,
        allowed: str,
        *,
        translation_key: str = "invalid_value",
        numbers: Mapping[str, float] | None = None,
    ) -> None:
        """Refuse `value` for `setting`; `allowed` says what would be accepted.

        `translation_key` names the message when the value itself is not the problem
        (a slave unit of a cluster, a setting whose parent setting is off). `numbers`
        are placeholders written in the message's language when it is raised.
        """
        super().__init__(f"Invalid value for {setting}")
        self.translation_key = translation_key
        self.placeholders = {
            "setting": setting,
            "value": str(value),
            "allowed": allowed,
        }
        self.numbers = dict(numbers or {})


@contextmanager
def cloud_errors(hass: HomeAssistant, entry: IzypowerConfigEntry) -> Iterator[None]:
    """Turn the library's errors raised inside the block into translated errors.

    A refused login also starts the reauthentication flow, as a refresh would: the
    credentials are wrong for every later call too.
    """
    try:
        yield
    except IzypowerValidationError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=err.translation_key,
            translation_placeholders=err.placeholders
            | {key: number(hass, value) for key, value in err.numbers.items()},
        ) from err
    except IzypowerAuthenticationError as err:
        entry.async_start_reauth(hass)
        raise _error("action_auth_failed") from err
    except IzypowerWriteUncertainError as err:
        raise _error("action_may_be_applied") from err
    except IzypowerConnectionError as err:
        raise _error("action_connection_failed") from err
    except IzypowerError as err:
        # IzypowerResponseError: the cloud answered but refused or misread the write.
        raise _error("action_rejected") from err


def _error(translation_key: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=translation_key
    )


def izypower_exception_handler[EntityT: IzypowerEntity[Any], **P, R](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, R]]:
    """Decorate an entity action so library errors reach the user translated."""

    @wraps(func)
    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with cloud_errors(self.hass, self.coordinator.config_entry):
            return await func(self, *args, **kwargs)

    return handler
