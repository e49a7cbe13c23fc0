"""The simulator's state across restarts (`--state-file`): counters go on, never back.

A restarted cloud that forgot its counters serves lower lifetime totals, which a client
rightly refuses, so they would look frozen for hours. The whole account (live state,
counters, archived periods, the physics' lead) is saved as a pickle: it is written and
read by this simulator only, in the developer's own git-ignored directory, and a file
from another version of the model is refused (the caller starts afresh) rather than
half-read.
"""

from datetime import datetime
from pathlib import Path
import pickle

from .model import Account

# Bump when the model's shape changes: older files are then refused, not misread.
STATE_FORMAT = 1


class StateFileError(Exception):
    """The state file exists but cannot be used (damaged, or another format)."""

    def __init__(self, problem: str) -> None:
        """Say what is wrong and the way out."""
        super().__init__(f"{problem}; delete it to start from the account options")


def save_state(account: Account, path: Path) -> None:
    """Write the account atomically: a crash mid-write leaves the previous file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial")
    partial.write_bytes(pickle.dumps({"format": STATE_FORMAT, "account": account}))
    partial.replace(path)


def load_state(path: Path) -> Account | None:
    """Return the saved account, None when there is no file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        # Only ever a file save_state wrote, in the developer's own directory.
        saved = pickle.loads(data)  # noqa: S301
    except Exception as err:
        raise StateFileError(f"{path} is damaged ({err})") from err
    if not isinstance(saved, dict) or saved.get("format") != STATE_FORMAT:
        raise StateFileError(f"{path} was saved by another simulator version")
    account = saved["account"]
    if not isinstance(account, Account):
        raise StateFileError(f"{path} holds no account")
    return account


def resume_instant(account: Account, requested: datetime) -> datetime:
    """Return where a resumed clock starts: `requested`, but never before the state.

    The first request then integrates the time the simulator was stopped (the date
    catches up with real time, the counters grow by what the sun gave meanwhile).
    """
    return max(account.time, requested)
