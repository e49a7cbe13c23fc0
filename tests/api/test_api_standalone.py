"""The API package stays a standalone library that keeps secrets to itself."""

import ast
from pathlib import Path

import aiohttp

from custom_components.izypower_cloud import api
from custom_components.izypower_cloud.api import (
    IzypowerAuthenticationError,
    IzypowerClient,
    IzypowerConnectionError,
    IzypowerError,
    IzypowerResponseError,
)

from .conftest import PASSWORD, USERNAME, token_of

API_DIR = Path(api.__file__).parent


def _imported_modules(source: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_home_assistant_import() -> None:
    """No module of api/ imports Home Assistant (it could be published alone)."""
    sources = sorted(API_DIR.rglob("*.py"))
    assert len(sources) >= 4
    for source in sources:
        for module in _imported_modules(source):
            assert module.split(".")[0] != "homeassistant", f"{source.name}: {module}"
            # Nor anything of the integration outside the package.
            assert not module.startswith("custom_components"), source.name


def test_public_names_exported() -> None:
    """Every public name of the contract is importable from the package."""
    for name in api.__all__:
        assert getattr(api, name) is not None


async def test_client_repr_has_no_secret() -> None:
    """repr() and str() of a logged-in client show no credentials or token."""
    async with aiohttp.ClientSession() as session:
        client = IzypowerClient(session, USERNAME, PASSWORD)
        client._auth._token = token_of("login_ok.json")
        for text in (repr(client), str(client)):
            assert "IzypowerClient" in text
            assert "logged_in=True" in text
            for secret in (USERNAME, PASSWORD, token_of("login_ok.json")):
                assert secret not in text


def test_exceptions_have_fixed_messages() -> None:
    """Exceptions only carry the message they are given (the client's are fixed)."""
    for error in (
        IzypowerError,
        IzypowerAuthenticationError,
        IzypowerConnectionError,
        IzypowerResponseError,
    ):
        assert str(error("GET /api/v3/device/wifi/{} answered HTTP 404")) == (
            "GET /api/v3/device/wifi/{} answered HTTP 404"
        )
