"""Energy history with Home Assistant's real recorder (statistics, imports)."""
