"""Constants of the Izypower Cloud integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "izypower_cloud"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "Materfrance"

# Config entry data keys (docs/design.md §3: a contract other tools rely on).
CONF_API_URL: Final = "api_url"

# Options.
CONF_REFRESH_PERIOD: Final = "refresh_period"
# The cloud itself refreshes station data about every 3 minutes: polling faster gains nothing.
DEFAULT_REFRESH_PERIOD: Final = 3
MIN_REFRESH_PERIOD: Final = 3
MAX_REFRESH_PERIOD: Final = 60

# Slow data (station list, month/year/total reports, Wi-Fi, firmware flags, settings)
# changes rarely; it is fetched on the first refresh, then at this interval or on demand.
SLOW_REFRESH_INTERVAL: Final = timedelta(minutes=30)

# Independent cloud calls of one refresh run concurrently, at most this many at a time.
MAX_CONCURRENT_REQUESTS: Final = 4

# Config flow: the folded form section that holds the API URL.
SECTION_ADVANCED_SETTINGS: Final = "advanced_settings"
