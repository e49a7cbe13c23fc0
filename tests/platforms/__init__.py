"""Platform tests: the client patched, one platform set up, one snapshot file each."""
