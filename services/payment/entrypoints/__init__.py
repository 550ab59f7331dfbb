"""The payment service's HTTP API."""
