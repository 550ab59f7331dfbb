"""The gateway's model and rules in plain Python: no database, no HTTP, no Zeebe client."""
