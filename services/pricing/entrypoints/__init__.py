"""Pricing's HTTP API."""
