"""DMN resources: deployed and versioned like Zeebe does, though decisions are not evaluated here.

Zeebe accepts ``.dmn`` files next to diagrams; clients (pyzeebe's own suite among them) deploy them
and read back the decision and decision-requirements metadata. Evaluating decisions
(``EvaluateDecision``) is not supported and answers UNIMPLEMENTED.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
)


class DmnError(ValueError):
    """The resource is not a DMN document this engine can register."""


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class DecisionRequirements:
    """The ``dmn:definitions`` of one resource (Zeebe's decision requirements graph) and its decisions."""

    id: str
    name: str
    decisions: tuple[Decision, ...]


def parse_dmn(resource_name: str, content: bytes) -> DecisionRequirements:
    if b"<!DOCTYPE" in content:
        raise DmnError(f"'{resource_name}': DMN documents with a DOCTYPE are refused")
    try:
        root = ET.fromstring(content)
    except ET.ParseError as error:
        raise DmnError(f"'{resource_name}': not well-formed XML: {error}") from error
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if namespace not in DMN_NAMESPACES or not root.tag.endswith("}definitions"):
        raise DmnError(f"'{resource_name}': expected a DMN 1.1 to 1.5 'definitions' element")
    decisions = tuple(
        Decision(element.get("id", ""), element.get("name", element.get("id", "")))
        for element in root.findall(f"{{{namespace}}}decision")
    )
    if not decisions or any(not d.id for d in decisions):
        raise DmnError(f"'{resource_name}': expected at least one decision, each with an id")
    drg_id = root.get("id")
    if not drg_id:
        raise DmnError(f"'{resource_name}': expected the 'definitions' element to have an id")
    return DecisionRequirements(drg_id, root.get("name", drg_id), decisions)
