"""How the inventory model is stored: SQLAlchemy models and repositories."""
