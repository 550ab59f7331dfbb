"""How the cart model is stored: SQLAlchemy models and repositories."""
