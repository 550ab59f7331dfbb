"""HTTP gateway (FastAPI) where API clients start checkouts and follow them."""
