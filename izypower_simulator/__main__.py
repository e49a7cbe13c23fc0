"""Run the simulator: `python -m izypower_simulator --help`."""

from .cli import main

raise SystemExit(main())
