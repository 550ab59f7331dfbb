"""The loyalty HTTP API."""
