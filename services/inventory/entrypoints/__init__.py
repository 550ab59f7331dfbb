"""The inventory's HTTP API."""
