"""The pricing model and its rules, in plain Python: no database, no HTTP, no cache."""
