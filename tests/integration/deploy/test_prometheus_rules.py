"""promtool on the alert rules, their unit tests and the scrape config (deploy/prometheus/)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.deploy.promtool import run_promtool
from tests.unit.deploy.artifacts import RULES_FILE, SCRAPE_CONFIG, rule_tests, rules


def test_the_rule_file_passes_promtool_check_with_every_rule_found(promtool: Path) -> None:
    checked = run_promtool(promtool, "check", "rules", RULES_FILE)

    assert checked.returncode == 0, checked.stdout
    # promtool counts the rules the tests read with their own YAML reader: both see the same file.
    assert f"SUCCESS: {len(rules())} rules found" in checked.stdout, checked.stdout


def test_the_alert_unit_tests_pass(promtool: Path) -> None:
    test_files = rule_tests()
    assert test_files, "no promtool unit tests in deploy/prometheus/tests/"

    tested = run_promtool(promtool, "test", "rules", *test_files)

    assert tested.returncode == 0, tested.stdout
    assert "FAILED" not in tested.stdout, tested.stdout
    assert tested.stdout.count("SUCCESS") == len(test_files), tested.stdout


def test_the_scrape_config_passes_promtool_check(promtool: Path) -> None:
    checked = run_promtool(promtool, "check", "config", SCRAPE_CONFIG)

    assert checked.returncode == 0, checked.stdout
    assert "SUCCESS: 1 rule files found" in checked.stdout, checked.stdout
