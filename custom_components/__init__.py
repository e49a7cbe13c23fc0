"""Custom integrations (this directory is what HACS installs)."""
