"""Request counters per endpoint and per status, for benchmarks and tests."""

from collections import Counter, defaultdict
from typing import Any


class RequestStats:
    """Counts of the API requests answered (admin requests are not counted)."""

    def __init__(self) -> None:
        """Start at zero."""
        self.reset()

    def reset(self) -> None:
        """Forget every count."""
        self.total = 0
        self.by_endpoint: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_endpoint_status: defaultdict[str, Counter[int]] = defaultdict(Counter)
        self.missing_app_platform = 0

    def record(self, endpoint: str, status: int, *, app_platform: bool = True) -> None:
        """Count one answered request."""
        self.total += 1
        self.by_endpoint[endpoint] += 1
        self.by_status[status] += 1
        self.by_endpoint_status[endpoint][status] += 1
        if not app_platform:
            self.missing_app_platform += 1

    def as_json(self) -> dict[str, Any]:
        """JSON view (status codes as string keys)."""
        return {
            "total": self.total,
            "by_endpoint": dict(sorted(self.by_endpoint.items())),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_endpoint_status": {
                endpoint: {str(k): v for k, v in sorted(counts.items())}
                for endpoint, counts in sorted(self.by_endpoint_status.items())
            },
            "missing_app_platform": self.missing_app_platform,
        }
