"""Coming from the community integration (same domain): its ids, entry, registries, statistics.

ids.py (its ids and what they become, data only: no Home Assistant import), entry.py
(adopts its config entry), registry.py (rewrites its devices and entities, over the
platforms' descriptions), duplicates.py (the duplicates of an earlier version of ours),
statistics.py (carries the 1.0.11 beta's statistics into history/'s). docs/design.md §3.1.
"""
