"""The API base URL: checked when the client is built, never retried when refused."""

import aiohttp
from aioresponses import aioresponses
import pytest
from yarl import URL

from custom_components.izypower_cloud.api import (
    DEFAULT_BASE_URL,
    IzypowerClient,
    IzypowerConnectionError,
    normalize_base_url,
)

from .conftest import (
    LOGIN_PATH,
    PASSWORD,
    USERNAME,
    RecordedSleeps,
    add_login,
    calls,
    url,
)

WIFI_PATH = "/api/v3/device/wifi/IZM24M000301"


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        (DEFAULT_BASE_URL, DEFAULT_BASE_URL),
        (" https://h.example/photo_voltaic/ ", "https://h.example/photo_voltaic"),
        ("https://h.example//", "https://h.example"),
        ("HTTP://H.example/x", "HTTP://H.example/x"),
        ("http://127.0.0.1:8099/photo_voltaic", "http://127.0.0.1:8099/photo_voltaic"),
        ("https://[::1]:8443/p", "https://[::1]:8443/p"),
    ],
)
def test_usable_base_url(base_url: str, expected: str) -> None:
    """Absolute http(s) URLs with a host are kept, without blanks or final slashes."""
    assert normalize_base_url(base_url) == expected


@pytest.mark.parametrize(
    "base_url",
    [
        "",
        "   ",
        "application.izypowercloud.fr/photo_voltaic",
        "ftp://h.example/p",
        "mailto:someone",
        "https://",
        "https:///photo_voltaic",
        "http://:80/p",
        "http://[::1",
        "https://[::1]x/",
        "https://h.example:99999/p",
        "https://h.example:abc/p",
        "https://h.example/p?x=1",
        "https://h.example/p?",
        "https://h.example/p#top",
        "https://h.example/p#",
        "https://camille:Tilleuls-Secret-2026!@h.example/p",
        "https://@h.example/p",
        "http://exa mple.com/p",
        "https://h.example/p\nx",
    ],
)
async def test_unusable_base_url_is_refused_at_construction(
    session: aiohttp.ClientSession, base_url: str
) -> None:
    """A URL no request could use raises ValueError before anything is sent."""
    with pytest.raises(ValueError, match="http or https URL with a host") as caught:
        IzypowerClient(session, USERNAME, PASSWORD, base_url=base_url)

    assert "Tilleuls" not in str(caught.value)
    assert "camille" not in str(caught.value)


@pytest.mark.parametrize(
    "failure",
    [
        aiohttp.InvalidURL("http://h.example\x00/api/login"),
        aiohttp.InvalidUrlClientError("http://h.example\x00/api/login"),
        aiohttp.InvalidUrlRedirectClientError("http://[bad/api", "redirect"),
        aiohttp.NonHttpUrlClientError("ftp://h.example/api"),
        aiohttp.NonHttpUrlRedirectClientError("ftp://h.example/api"),
    ],
    ids=type,
)
async def test_url_refused_by_the_transport_is_not_retried(
    client: IzypowerClient,
    mock_cloud: aioresponses,
    sleeps: RecordedSleeps,
    failure: Exception,
) -> None:
    """A URL aiohttp cannot send to fails at once: a retry cannot fix it."""
    add_login(mock_cloud)
    mock_cloud.get(url(WIFI_PATH), exception=failure, repeat=True)

    with pytest.raises(IzypowerConnectionError, match="URL is not usable") as caught:
        await client.get_wifi("IZM24M000301")

    assert type(failure).__name__ in str(caught.value)
    assert "h.example" not in str(caught.value)
    assert "IZM24M000301" not in str(caught.value)
    assert len(calls(mock_cloud, "GET", WIFI_PATH)) == 1
    assert sleeps == []


async def test_login_redirected_to_an_unusable_url_is_not_a_refusal(
    client: IzypowerClient, mock_cloud: aioresponses, sleeps: RecordedSleeps
) -> None:
    """The next call logs in again: nothing about the password was learnt."""
    mock_cloud.post(
        url(LOGIN_PATH),
        exception=aiohttp.NonHttpUrlRedirectClientError(URL("ftp://h.example")),
    )
    add_login(mock_cloud)

    with pytest.raises(IzypowerConnectionError):
        await client.login()
    await client.login()

    assert len(calls(mock_cloud, "POST", LOGIN_PATH)) == 2
    assert sleeps == []
