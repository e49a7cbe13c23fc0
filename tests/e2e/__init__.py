"""End-to-end tests: a real Home Assistant talking to the Izypower Cloud simulator."""
