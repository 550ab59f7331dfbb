"""The services' tests get fresh databases from :func:`tests.databases.new_database`."""

from tests.databases import new_database

__all__ = ["new_database"]
