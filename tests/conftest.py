"""Fixtures and hooks shared by every test folder.

The server fixtures give each pytest run its own PostgreSQL and MariaDB database, each test its own
Redis key prefix, Kafka topics and transactional id; all are removed afterwards. When the servers are
not configured the tests that need them fail: integration and end-to-end tests are never skipped.
"""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]  # untyped re-export
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from tests.settings import HOW_TO_START, TestServers, load_test_servers

KAFKA_TIMEOUT_S = 30
INTEGRATION_DIR = Path(__file__).parent / "integration"
E2E_DIR = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests/integration as ``integration`` and tests/e2e as ``e2e`` (``-m "not e2e"`` works)."""
    for item in items:
        if INTEGRATION_DIR in item.path.parents:
            item.add_marker(pytest.mark.integration)
        elif E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id unique to this pytest run, used to name the resources it creates."""
    return uuid.uuid4().hex[:8]


def _short_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def servers() -> TestServers:
    try:
        return load_test_servers()
    except LookupError as error:
        pytest.fail(str(error), pytrace=False)


def _scratch_database(admin_url: str, name: str, drop_sql: str) -> Iterator[str]:
    """Create database ``name`` through ``admin_url``, yield its URL, drop it afterwards."""
    admin: Engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {name}"))
        except SQLAlchemyError as error:
            shown = make_url(admin_url).render_as_string(hide_password=True)
            pytest.fail(f"Cannot create database {name} on {shown}: {error}\n{HOW_TO_START}", pytrace=False)
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(drop_sql))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(servers: TestServers, run_id: str) -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL database created for this test run."""
    name = f"t_{run_id}"
    yield from _scratch_database(servers.postgres_url, name, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def mariadb_url(servers: TestServers, run_id: str) -> Iterator[str]:
    """SQLAlchemy URL of a MariaDB database created for this test run."""
    name = f"t_{run_id}"
    yield from _scratch_database(servers.mariadb_url, name, f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(scope="session")
def redis_client(servers: TestServers) -> Iterator["redis.Redis"]:
    client = redis.Redis.from_url(servers.redis_url, decode_responses=True)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {servers.redis_url} does not answer: {error}\n{HOW_TO_START}", pytrace=False)
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: "redis.Redis", run_id: str) -> Iterator[str]:
    """A key prefix unique to this test; its keys are deleted afterwards."""
    prefix = f"test:{run_id}:{_short_id()}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(scope="session")
def kafka_bootstrap(servers: TestServers) -> str:
    return servers.kafka_bootstrap


@pytest.fixture(scope="session")
def kafka_admin(kafka_bootstrap: str) -> AdminClient:
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    try:
        admin.list_topics(timeout=10)
    except KafkaException as error:
        pytest.fail(f"Kafka at {kafka_bootstrap} does not answer: {error}\n{HOW_TO_START}", pytrace=False)
    return admin


@pytest.fixture
def unique_topic(kafka_admin: AdminClient, run_id: str) -> Iterator[Callable[..., str]]:
    """Factory: ``unique_topic("orders")`` creates a fresh topic (1 partition, 1 replica).

    The topics are deleted after the test.
    """
    created: list[str] = []

    def create(prefix: str = "test", partitions: int = 1) -> str:
        name = f"{prefix}.{run_id}.{_short_id()}"
        new_topic = NewTopic(name, num_partitions=partitions, replication_factor=1)
        futures = kafka_admin.create_topics([new_topic], operation_timeout=KAFKA_TIMEOUT_S)
        futures[name].result(timeout=KAFKA_TIMEOUT_S)
        created.append(name)
        return name

    yield create
    if created:
        for future in kafka_admin.delete_topics(created, operation_timeout=KAFKA_TIMEOUT_S).values():
            future.result(timeout=KAFKA_TIMEOUT_S)


@pytest.fixture
def unique_transactional_id(run_id: str) -> str:
    """A Kafka ``transactional.id`` no other producer uses (two producers with one id fence each other)."""
    return f"test-tx.{run_id}.{_short_id()}"


DatabaseFactory = Callable[[str, str | None], str]
"""``factory(backend, server_url)`` -> the URL of a new, empty database."""


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    mariadb: list[tuple[str, str]] = []

    def make(backend: str, server_url: str | None) -> str:
        name = f"s_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'service.db'}"
        assert server_url is not None
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                if backend == "postgresql":
                    connection.execute(text(f"CREATE SCHEMA {name}"))
                else:
                    connection.execute(text(f"CREATE DATABASE {name}"))
        finally:
            admin.dispose()
        url = make_url(server_url)
        if backend == "postgresql":
            url = url.update_query_dict({"options": f"-csearch_path={name}"})
        else:
            mariadb.append((server_url, name))
            url = url.set(database=name)
        return url.render_as_string(hide_password=False)

    yield make

    for server_url, name in mariadb:
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()
