"""Tests of the standalone Izypower Cloud API library."""
