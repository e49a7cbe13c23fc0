"""Development tools: run Home Assistant with the integration against the cloud simulator."""
