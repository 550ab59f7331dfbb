"""The cart's HTTP API."""
