"""How the loyalty model is stored: SQLAlchemy models and repositories."""
