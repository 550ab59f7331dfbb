"""The order model and its rules, in plain Python: no database, no HTTP."""
