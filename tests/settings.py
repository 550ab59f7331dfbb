"""Where the test servers are: the ``TEST_*`` variables printed by ``deploy/local/servers.sh env``."""

from typing import ClassVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

HOW_TO_START = (
    "Run the tests with `make test`, or start the servers with `make servers` and then "
    '`eval "$(deploy/local/servers.sh env)"` before running pytest.'
)


class TestServers(BaseSettings):
    """Connection settings of the servers started by ``deploy/local/servers.sh``."""

    __test__: ClassVar[bool] = False  # not a test class, despite its name

    model_config = SettingsConfigDict(env_prefix="TEST_", frozen=True, extra="ignore")

    postgres_url: str
    mariadb_url: str
    redis_url: str
    kafka_bootstrap: str


def load_test_servers() -> TestServers:
    """The settings, or a ``LookupError`` naming every missing variable and how to set them."""
    try:
        return TestServers()
    except ValidationError as error:
        missing = ", ".join(f"TEST_{str(e['loc'][0]).upper()}" for e in error.errors())
        raise LookupError(f"Test servers are not configured ({missing} missing). {HOW_TO_START}") from error
