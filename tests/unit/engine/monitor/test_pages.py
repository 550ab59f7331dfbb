"""The monitor's pages and files are served by the read API, with or without the built viewer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.monitor import routes
from engine.read_api.app import create_app


def test_monitor_redirects_to_its_definitions_page(client: TestClient) -> None:
    response = client.get("/monitor", follow_redirects=False)

    assert response.status_code in (301, 302, 307)
    assert response.headers["location"] == "/monitor/"


@pytest.mark.parametrize(
    ("path", "script"),
    [
        ("/monitor/", "definitions.js"),
        ("/monitor/instances", "instances.js"),
        ("/monitor/instances/42", "instance.js"),
    ],
)
def test_each_page_is_html_loading_its_script(client: TestClient, path: str, script: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'src="/monitor/static/{script}"' in response.text


def test_every_script_a_page_loads_is_served(client: TestClient) -> None:
    for name in ("common.js", "definitions.js", "instances.js", "instance.js", "monitor.css"):
        assert client.get(f"/monitor/static/{name}").status_code == 200, name


def test_pages_load_nothing_from_the_internet() -> None:
    for path in routes.STATIC.glob("*.*"):
        assert re.findall(r"https?://\S+", path.read_text()) == [], path.name


def test_status_says_how_to_build_a_missing_viewer(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "VENDOR", tmp_path / "vendor")

    assert client.get("/monitor/api/status").json() == {"viewer": False, "build": "make monitor-assets"}


def test_the_api_starts_and_serves_pages_without_the_viewer(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "VENDOR", tmp_path / "vendor")

    with TestClient(create_app(db_path)) as client:
        assert client.get("/monitor/instances/1").status_code == 200
        assert client.get("/monitor/api/status").json()["viewer"] is False
