"""Stable placeholders for personal data in raw cloud answers (the data export).

A bug report about data we do not understand needs the cloud's answers as they came,
but they name the owner (email, station names, addresses), the place (Wi-Fi names,
IP addresses) and the hardware (serial numbers, ids). `Anonymizer` replaces each such
value by a placeholder such as `<serial-1>`: the same value always gets the same
placeholder, so the export still shows which answers speak of the same device.

Two nets, because neither alone is enough: values we know (from the snapshot and the
entry) are replaced wherever they appear, inside longer texts too; values under keys
that name personal data are replaced even when we never saw them.
"""

from collections.abc import Mapping

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


# Known values shorter than this are only replaced under a personal key: a short id
# (`1`, `42`) would also match counts, codes and readings everywhere else.
_MIN_KNOWN_LENGTH = 4


def _normal_key(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


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
        if isinstance(value, Mapping):
            return {
                str(key): self.anonymize(item, _KEY_KINDS.get(_normal_key(str(key))))
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.anonymize(item, kind) for item in value]
        if value is None or isinstance(value, bool):
            return value
        text = str(value)
        if kind is not None and text.strip():
            return self._placeholder(kind, text)
        if len(text) >= _MIN_KNOWN_LENGTH and text in self._placeholders:
            return self._placeholders[text]
        if isinstance(value, str):
            return self._scrub(value)
        return value

    def _scrub(self, text: str) -> str:
        """Replace every known value inside a longer text, longest first."""
        for known in sorted(self._placeholders, key=len, reverse=True):
            if len(known) >= _MIN_KNOWN_LENGTH and known in text:
                text = text.replace(known, self._placeholders[known])
        return text
