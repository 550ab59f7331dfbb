"""promtool for the tests of deploy/prometheus/ and deploy/grafana/: a missing promtool fails them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.deploy.promtool import find_promtool


@pytest.fixture(scope="session")
def promtool() -> Path:
    return find_promtool()
