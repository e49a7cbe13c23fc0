"""Izypower Cloud simulator: a live, loopback-only stand-in for the cloud API.

Used by the end-to-end tests and the development environment; Home Assistant users
never install it (it lives outside custom_components/).
"""

from .app import create_app
from .clock import SimClock
from .faults import FaultConfig
from .generator import Layout, generate_account
from .loader import load_account
from .model import Account
from .simulator import Simulator, SimulatorConfig

__all__ = [
    "Account",
    "FaultConfig",
    "Layout",
    "SimClock",
    "Simulator",
    "SimulatorConfig",
    "create_app",
    "generate_account",
    "load_account",
]
