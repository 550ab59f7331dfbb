"""Loyalty settings: its own port and database by default, points per unit from the environment."""

from __future__ import annotations

import pytest

from services.loyalty.settings import LoyaltySettings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "LOYALTY_DATABASE_URL", "LOYALTY_PORT", "LOYALTY_POINTS_PER_UNIT"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_server_and_award_one_point_per_unit() -> None:
    settings = LoyaltySettings()
    assert settings.database_url.get_secret_value() == "sqlite:///var/loyalty.db"
    assert (settings.host, settings.port, settings.points_per_unit) == ("127.0.0.1", 8106, 1)


def test_points_per_unit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALTY_POINTS_PER_UNIT", "5")
    assert LoyaltySettings().points_per_unit == 5


@pytest.mark.parametrize("value", ["0", "1001", "1.5"])
def test_points_per_unit_outside_1_to_1000_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LOYALTY_POINTS_PER_UNIT", value)
    with pytest.raises(ValueError, match="points_per_unit"):
        LoyaltySettings()
