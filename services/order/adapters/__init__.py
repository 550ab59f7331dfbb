"""How the order model is stored: SQLAlchemy models and repositories."""
