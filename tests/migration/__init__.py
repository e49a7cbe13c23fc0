"""Coming from the community integration: its entry and registries become ours."""
