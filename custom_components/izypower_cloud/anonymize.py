"""Stable placeholders for personal data in raw cloud answers (the data export).

A bug report about data we do not understand needs the cloud's answers as they came,
but they name the owner (email, station names, addresses), the place (Wi-Fi names,
IP addresses) and the hardware (serial numbers, ids). `Anonymizer` replaces each such
value by a placeholder such as `<serial-1>`: the same value always gets the same
placeholder, so the export still shows which answers speak of the same device.

Three nets, because none alone is enough:

* values we know (from the snapshot and the entry) are replaced wherever they appear,
  inside longer texts too;
* values under keys that name personal data are replaced even when we never saw them,
  numbers included;
* an allow-list: a text passes only under a key known to carry no personal data (a
  message, a date, a rate, a code, a version). Any other text, under a key the cloud
  may add one day, is replaced by a placeholder of the kind it looks like (`email`,
  `phone`, `gps`, `ip`, else `text`). Numbers under other keys are readings and stay.
"""

from collections.abc import Mapping
import re

# Answer keys whose value is personal, by placeholder kind (docs/api.md).
_KEY_KINDS: Mapping[str, str] = {
    **dict.fromkeys(
        ("sn", "devicesn", "serialnumber", "serial", "batterysn", "metersn"), "serial"
    ),
    **dict.fromkeys(
        ("stationsid", "stationid", "deviceid", "powerid", "userid", "id", "uid"),
        "id",
    ),
    **dict.fromkeys(
        (
            "stationname",
            "stationsname",
            "devicename",
            "nickname",
            "username",
            "realname",
        ),
        "name",
    ),
    **dict.fromkeys(
        ("address", "location", "latitude", "longitude", "lat", "lng", "lon"),
        "address",
    ),
    **dict.fromkeys(("email", "mail", "account", "phone", "mobile"), "email"),
    **dict.fromkeys(("wifi", "ssid", "wifiname"), "ssid"),
    **dict.fromkeys(("ip", "ipaddress", "mac"), "ip"),
    **dict.fromkeys(("token", "accesstoken", "password"), "secret"),
}


# Keys whose text carries no personal data (normalised: no `_` or `-`, lower case):
# the cloud's messages, codes, dates, rates, readings with their unit, versions, and
# the export's own request parameters (docs/api.md).
_SAFE_TEXT_KEYS: frozenset[str] = frozenset(
    {
        "msg",
        "message",
        "code",
        "status",
        "state",
        "type",
        "mode",
        "unit",
        "lastupdate",
        "time",
        "searchtime",
        "timetype",
        "dataflag",
        "devicetype",
        "isv2",
        "clustermode",
        "key",
        "value",
        "pv",
        "remainingtime",
        "softwareversion",
        "hardwareversion",
        "version",
        "exporterror",
        *(
            rate.replace("_", "")
            for rate in (
                "cover_rate",
                "consumption_rate",
                "energy_self_rate",
                "meter_energy_n_rate",
                "meter_energy_p_rate",
                "storage_in_rate",
                "storage_out_rate",
                "ev_rate",
            )
        ),
    }
)
# Keys whose text is safe only inside a given parent (normalised): the names of the
# device kinds the station info lists, not a person's or a device's name.
_SAFE_TEXT_UNDER: Mapping[str, frozenset[str]] = {
    "devicetypes": frozenset({"name"}),
}
# What an unknown text looks like, tried in order: the placeholder's kind.
_TEXT_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[^@\s]+@[^@\s]+")),
    ("ip", re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")),
    ("gps", re.compile(r"-?\d{1,3}\.\d+\s*[,; ]\s*-?\d{1,3}\.\d+")),
    ("phone", re.compile(r"\+?[\d\s().-]{8,}")),
)

# Known values shorter than this are only replaced under a personal key: a short id
# (`1`, `42`) would also match counts, codes and readings everywhere else.
_MIN_KNOWN_LENGTH = 4


def _normal_key(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


def _safe_text(key: str, parent: str) -> bool:
    """Tell whether the text under `key` (in an object under `parent`) is allowed."""
    return key in _SAFE_TEXT_KEYS or key in _SAFE_TEXT_UNDER.get(parent, ())


def _text_kind(text: str) -> str:
    """Return the placeholder kind of a text under a key not on the allow-list."""
    for kind, pattern in _TEXT_KINDS:
        if pattern.fullmatch(text.strip()):
            return kind
    return "text"


class Anonymizer:
    """Replaces personal values by stable placeholders (`<kind-n>`)."""

    def __init__(self) -> None:
        """Nothing known yet."""
        self._placeholders: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def know(self, kind: str, value: object) -> None:
        """Replace `value` (text or id) wherever it appears; empty values are ignored."""
        if value is None or isinstance(value, bool) or str(value).strip() == "":
            return
        self._placeholder(kind, str(value))

    def _placeholder(self, kind: str, text: str) -> str:
        if (known := self._placeholders.get(text)) is None:
            self._counts[kind] = count = self._counts.get(kind, 0) + 1
            known = self._placeholders[text] = f"<{kind}-{count}>"
        return known

    def anonymize(self, value: object, kind: str | None = None) -> object:
        """Return a copy of the JSON `value` without personal data."""
        return self._value(value, kind, "", "")

    def _value(self, value: object, kind: str | None, key: str, parent: str) -> object:
        """Anonymise a value found under `key` (normalised) of an object under `parent`.

        A list's items are under the list's key; an object's members under their own
        key, with the object's key as their parent.
        """
        if isinstance(value, Mapping):
            return {
                str(name): self._value(
                    item, _KEY_KINDS.get(normal := _normal_key(str(name))), normal, key
                )
                for name, item in value.items()
            }
        if isinstance(value, list):
            return [self._value(item, kind, key, parent) for item in value]
        if value is None or isinstance(value, bool):
            return value
        text = str(value)
        if kind is not None and text.strip():
            return self._placeholder(kind, text)
        if len(text) >= _MIN_KNOWN_LENGTH and text in self._placeholders:
            return self._placeholders[text]
        if not isinstance(value, str):
            return value
        if not text.strip() or _safe_text(key, parent):
            return self._scrub(value)
        return self._placeholder(_text_kind(text), text)

    def _scrub(self, text: str) -> str:
        """Replace every known value inside a longer text, longest first."""
        for known in sorted(self._placeholders, key=len, reverse=True):
            if len(known) >= _MIN_KNOWN_LENGTH and known in text:
                text = text.replace(known, self._placeholders[known])
        return text
