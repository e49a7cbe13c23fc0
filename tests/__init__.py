"""Tests of the Izypower Cloud integration."""
