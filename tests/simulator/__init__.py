"""Tests of the Izypower Cloud simulator."""
