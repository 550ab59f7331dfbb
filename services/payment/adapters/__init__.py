"""How payments are stored (SQLAlchemy) and how the payment provider is reached (httpx)."""
