"""The metric names a PromQL expression reads, to check dashboards and rules against real metrics.

A scanner, not a parser: it removes what cannot be a metric name (Grafana variables, strings, label
matchers, ranges and subqueries, the label lists of ``by``/``without``/``on``/``ignoring``/
``group_left``/``group_right``), then keeps every identifier that is neither followed by ``(`` (a
function or aggregation) nor a keyword. Numbers and durations (``0.99``, ``1e3``, ``5m``) never start
an identifier. A ``{__name__="..."}`` selector counts as its metric name.
"""

from __future__ import annotations

import re

KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"}
)
NUMBERS = frozenset({"inf", "nan"})

_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_NAME_MATCHER = re.compile(r"""__name__\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.:])[A-Za-z_:][\w:]*")


def metric_names(expression: str) -> set[str]:
    text = _GRAFANA_VARIABLE.sub(" ", expression)
    names = {double or single for double, single in _NAME_MATCHER.findall(text)}
    text = _STRING.sub(" ", text)
    text = _BRACES.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _LABEL_LIST.sub(" ", text)
    for match in _IDENTIFIER.finditer(text):
        name = match.group()
        calls = text[match.end() :].lstrip().startswith("(")
        if not calls and name not in KEYWORDS and name.lower() not in NUMBERS:
            names.add(name)
    return names
