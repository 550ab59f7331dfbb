"""The gateway's HTTP API: FastAPI app, routes, request schemas, API-key authentication."""
