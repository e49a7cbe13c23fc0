"""strings.json and every translation agree, so no language silently lacks a text."""

import json
from pathlib import Path
import re
import string
from typing import Any

import pytest

INTEGRATION_DIR = Path(__file__).parent.parent / "custom_components" / "izypower_cloud"
TRANSLATIONS = sorted((INTEGRATION_DIR / "translations").glob("*.json"))
REFERENCE = re.compile(r"\[%key:[a-z0-9_]+(::[a-z0-9_]+)+%\]")


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Map "a.b.c" paths to the leaf strings of a translation tree."""
    leaves: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            leaves.update(_flatten(value, f"{path}."))
        else:
            assert isinstance(value, str), f"{path} is not a string"
            leaves[path] = value
    return leaves


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


STRINGS = _flatten(json.loads((INTEGRATION_DIR / "strings.json").read_text()))


def test_languages_present() -> None:
    """English and French ship with the integration."""
    assert {path.stem for path in TRANSLATIONS} >= {"en", "fr"}


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: path.stem)
def test_same_keys_as_strings(path: Path) -> None:
    """Each translation has exactly the keys of strings.json."""
    translation = _flatten(json.loads(path.read_text()))
    assert sorted(translation) == sorted(STRINGS)


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: path.stem)
def test_placeholders_match(path: Path) -> None:
    """A translation uses the same {placeholders} as the English source text."""
    translation = _flatten(json.loads(path.read_text()))
    english = _flatten(
        json.loads((INTEGRATION_DIR / "translations" / "en.json").read_text())
    )
    for key, text in translation.items():
        assert not REFERENCE.search(text), (
            f"{path.stem}: {key} holds an unresolved reference"
        )
        assert text.strip(), f"{path.stem}: {key} is empty"
        assert _placeholders(text) == _placeholders(english[key]), f"{path.stem}: {key}"


def test_strings_placeholders_and_references() -> None:
    """strings.json only holds well-formed references and the English placeholders."""
    english = _flatten(
        json.loads((INTEGRATION_DIR / "translations" / "en.json").read_text())
    )
    for key, text in STRINGS.items():
        if text.startswith("[%key:"):
            assert REFERENCE.fullmatch(text), key
        else:
            assert _placeholders(text) == _placeholders(english[key]), key
            assert text == english[key], f"en.json differs from strings.json at {key}"


# hassfest refuses URLs in translation strings: links belong in placeholders.
URL_LIKE = re.compile(r"[a-z][a-z0-9+.-]*://|\bwww\.", re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    [INTEGRATION_DIR / "strings.json", *TRANSLATIONS],
    ids=lambda path: path.stem,
)
def test_no_url_in_texts(path: Path) -> None:
    """No text contains a URL, which hassfest would reject."""
    for key, text in _flatten(json.loads(path.read_text())).items():
        assert not URL_LIKE.search(text), f"{path.stem}: {key} contains a URL"


def test_english_follows_home_assistant_style() -> None:
    """English says "email", as Home Assistant's own strings do, never "e-mail"."""
    for key, text in STRINGS.items():
        assert "e-mail" not in text.lower(), key
