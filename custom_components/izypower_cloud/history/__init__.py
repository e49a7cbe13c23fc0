"""Energy history: the integration's own hourly statistics for the Energy dashboard.

statistics.py (ids, metadata, the station's hour grid, recorder calls), hourly.py (rows
going forward), importer.py (past days), entry.py (wires them to a config entry as a
coordinator listener), action.py (the action `import_history`). Above the coordinator:
nothing below imports this package (docs/design.md §2).
"""
