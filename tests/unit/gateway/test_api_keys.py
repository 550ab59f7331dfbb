"""GATEWAY_API_KEYS: ``client=key`` pairs, each key naming one client; errors never repeat a key."""

from __future__ import annotations

import pytest

from gateway.domain.api_keys import parse_api_keys

SHOP_KEY = "shop-key-0123456789"
OTHER_KEY = "other-key-0123456789"


def test_each_key_names_its_client() -> None:
    keys = parse_api_keys(f"shop={SHOP_KEY},backoffice={OTHER_KEY}")

    assert (keys.client_for(SHOP_KEY), keys.client_for(OTHER_KEY)) == ("shop", "backoffice")


def test_an_unknown_key_names_no_client() -> None:
    keys = parse_api_keys(f"shop={SHOP_KEY}")

    assert keys.client_for("shop-key-012345678") is None
    assert keys.client_for("") is None


def test_a_client_may_hold_two_keys_while_rotating() -> None:
    keys = parse_api_keys(f"shop={SHOP_KEY}, shop={OTHER_KEY}")

    assert keys.client_for(SHOP_KEY) == keys.client_for(OTHER_KEY) == "shop"
    assert keys.clients == {"shop"}


def test_spaces_around_entries_and_a_trailing_comma_are_ignored() -> None:
    keys = parse_api_keys(f"  shop = {SHOP_KEY} ,")

    assert keys.client_for(SHOP_KEY) == "shop"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no API key"),
        (f"{SHOP_KEY}", "entry 1 is not client=key"),
        (f"shop={SHOP_KEY},={OTHER_KEY}", "entry 2"),
        ("shop=too-short", "at least 16"),
        (f"shop={SHOP_KEY} with-space", "without spaces"),
        (f"shop={SHOP_KEY},other={SHOP_KEY}", "already given"),
        (f"bad client={SHOP_KEY}", "client name"),
    ],
)
def test_a_malformed_list_is_refused_naming_the_entry_but_never_the_key(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as refused:
        parse_api_keys(text)

    assert SHOP_KEY not in str(refused.value)
    assert "too-short" not in str(refused.value)


def test_the_keys_are_not_in_their_repr() -> None:
    assert SHOP_KEY not in repr(parse_api_keys(f"shop={SHOP_KEY}"))
