"""Exceptions raised by the Izypower Cloud client.

Messages are built from fixed texts, endpoint templates and HTTP status codes only, so
they never carry the password, the token or the account e-mail, whatever the caller
does with them (logs, repair issues, diagnostics).
"""


class IzypowerError(Exception):
    """Base class of every error the library raises."""


class IzypowerAuthenticationError(IzypowerError):
    """The cloud refused the credentials.

    Never retried automatically: repeated failed logins can lock the account. The
    client remembers the refusal and raises this error, without sending anything, for
    every later call that needs a token, until ``IzypowerClient.login()`` is called.
    """


class IzypowerConnectionError(IzypowerError):
    """The cloud could not be reached or answered with a transient failure.

    Raised after the retries are exhausted for timeouts, network errors, HTTP 5xx,
    HTTP 429 (rate limited) and bodies that are not JSON (such as the HTML error pages
    of a proxy).
    """


class IzypowerResponseError(IzypowerError):
    """The cloud answered, but not with what the call needs.

    Covers HTTP 4xx other than a recoverable 401 or a 429, and envelopes without the
    payload the endpoint must return (for example an error envelope with
    ``"data": null``). ``status`` is the HTTP status when that is what failed, else
    ``None``.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        """Create the error; ``status`` is the HTTP status of a non-2xx answer."""
        super().__init__(message)
        self.status = status


class IzypowerLoginUnavailableError(IzypowerError):
    """No token the cloud accepts can be had for now: every call needing one fails so.

    The shared cause of a whole round of failed calls (see :mod:`.auth`): a caller
    making many calls can report it once rather than once per call. Raised only as
    one of the two subclasses below, which keep the type a single call would see.
    """


class IzypowerLoginPausedError(IzypowerConnectionError, IzypowerLoginUnavailableError):
    """The login the call needed failed, or logins are backing off after a failure.

    Raised without a request of the call itself: by every call while automatic
    logins back off, by calls that waited for a login that failed, and by the call
    whose own login attempt failed.
    """


class IzypowerTokenRefusedError(IzypowerResponseError, IzypowerLoginUnavailableError):
    """A token fresh from its login was refused (HTTP 401): logins now back off."""
