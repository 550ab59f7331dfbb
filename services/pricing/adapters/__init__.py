"""How the pricing model is stored and cached: SQLAlchemy models, repositories, the Redis price cache."""
