"""The provider's tables and repositories."""
