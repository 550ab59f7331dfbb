"""The dashboard's queries parse as PromQL: promtool checks them as recording rules of a scratch file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.integration.deploy.promtool import run_promtool
from tests.unit.deploy.artifacts import dashboard_expressions

# Grafana's interval variables, replaced by a range promtool accepts. Other variables are not
# substituted: a query that uses one fails here until it is added.
INTERVAL_VARIABLE = re.compile(r"\$\{?__(?:rate_interval|interval|range)\b\}?")


def test_every_dashboard_query_is_valid_promql(promtool: Path, tmp_path: Path) -> None:
    queries = dashboard_expressions()
    recording_rules = [
        {"record": f"dashboard:query_{number}:check", "expr": INTERVAL_VARIABLE.sub("5m", expression)}
        for number, (_, expression) in enumerate(queries)
    ]
    # JSON is YAML: promtool reads it as a rule file.
    rule_file = tmp_path / "dashboard-queries.yml"
    rule_file.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": recording_rules}]}))

    checked = run_promtool(promtool, "check", "rules", rule_file)

    numbered = "\n".join(f"query_{number}: {query}" for number, (query, _) in enumerate(queries))
    assert checked.returncode == 0, f"{checked.stdout}\n{numbered}"
    assert f"SUCCESS: {len(queries)} rules found" in checked.stdout, checked.stdout
