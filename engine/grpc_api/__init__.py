"""Zeebe's gateway gRPC protocol, served by the local engine."""
