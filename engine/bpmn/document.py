"""Reading a BPMN file: safe XML parsing, namespaces, the id index and problem collection."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.parsers import expat

from engine.bpmn.errors import BpmnValidationError, Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"

# The message the Camunda model API (Xerces) gives for a DOCTYPE, which Zeebe forbids.
DOCTYPE_DISALLOWED = (
    "DOCTYPE is disallowed when the feature "
    '"http://apache.org/xml/features/disallow-doctype-decl" set to true.'
)


class _DoctypeFound(Exception):
    pass


def _has_doctype(content: bytes) -> bool:
    """Whether the document declares a DOCTYPE (in any encoding); stops before any entity is read."""

    def refuse(*_: object) -> None:
        raise _DoctypeFound

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    try:
        parser.Parse(content, True)
    except _DoctypeFound:
        return True
    except expat.ExpatError:
        return False  # not well-formed: ElementTree reports it
    return False


def bpmn(name: str) -> str:
    """The ElementTree tag of a BPMN element."""
    return f"{{{BPMN_NS}}}{name}"


def zeebe(name: str) -> str:
    """The ElementTree tag of a Zeebe extension element (or attribute)."""
    return f"{{{ZEEBE_NS}}}{name}"


def split_tag(tag: str) -> tuple[str, str]:
    """``{ns}local`` -> ``(ns, local)``; ``("", tag)`` without namespace."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def local_name(element: ET.Element) -> str:
    return split_tag(element.tag)[1]


def is_bpmn(element: ET.Element, *names: str) -> bool:
    namespace, local = split_tag(element.tag)
    return namespace == BPMN_NS and (not names or local in names)


def bpmn_children(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(bpmn(name))


def extension_elements(element: ET.Element, name: str) -> list[ET.Element]:
    """The ``zeebe:<name>`` children of the element's ``bpmn:extensionElements``."""
    found: list[ET.Element] = []
    for extensions in element.findall(bpmn("extensionElements")):
        found.extend(extensions.findall(zeebe(name)))
    return found


def zeebe_extensions(element: ET.Element) -> list[ET.Element]:
    """All ``zeebe:*`` children of the element's ``bpmn:extensionElements``."""
    found: list[ET.Element] = []
    for extensions in element.findall(bpmn("extensionElements")):
        found.extend(child for child in extensions if split_tag(child.tag)[0] == ZEEBE_NS)
    return found


def documentation(element: ET.Element) -> str | None:
    texts = [doc.text or "" for doc in element.findall(bpmn("documentation"))]
    texts = [text for text in texts if text.strip()]
    return "\n".join(texts) if texts else None


def text_content(element: ET.Element) -> str:
    """All text inside the element (like DOM ``getTextContent``), stripped."""
    return "".join(element.itertext()).strip()


@dataclass(slots=True)
class Document:
    """A parsed BPMN file: its root, and indexes over all of its elements."""

    resource_name: str
    root: ET.Element
    parents: dict[ET.Element, ET.Element] = field(default_factory=dict)
    positions: dict[ET.Element, int] = field(default_factory=dict)
    by_id: dict[str, ET.Element] = field(default_factory=dict)
    duplicate_ids: list[ET.Element] = field(default_factory=list)
    problems: list[tuple[int, Problem]] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set)

    @classmethod
    def parse(cls, resource_name: str, content: bytes) -> Document:
        """Parse the XML; raises :class:`BpmnValidationError` if it is not well-formed or not BPMN."""
        if _has_doctype(content):
            raise BpmnValidationError(resource_name, [Problem(None, DOCTYPE_DISALLOWED)])
        try:
            root = ET.fromstring(content)
        except ET.ParseError as error:
            raise BpmnValidationError(resource_name, [Problem(None, str(error))]) from None
        if root.tag != bpmn("definitions"):
            namespace, local = split_tag(root.tag)
            raise BpmnValidationError(
                resource_name,
                [
                    Problem(
                        None,
                        f"Expected the root element 'definitions' of namespace '{BPMN_NS}', but found "
                        f"'{local}'" + (f" of namespace '{namespace}'" if namespace else ""),
                    )
                ],
            )
        document = cls(resource_name, root)
        for position, element in enumerate(root.iter()):
            document.positions[element] = position
            for child in element:
                document.parents[child] = element
            element_id = element.get("id")
            if element_id is not None:
                if element_id in document.by_id:
                    document.duplicate_ids.append(element)
                else:
                    document.by_id[element_id] = element
        return document

    def lookup(self, element_id: str | None, *names: str) -> ET.Element | None:
        """The BPMN element with that id if it is one of ``names`` (e.g. ``message``), else None."""
        if not element_id:
            return None
        element = self.by_id.get(element_id.strip())
        if element is None or not is_bpmn(element, *names):
            return None
        return element

    def identify(self, element: ET.Element, *path: str) -> str:
        """Zeebe's element identifier: the closest element with an id, then the local names below it."""
        chain = list(path)
        current: ET.Element | None = element
        while current is not None:
            element_id = current.get("id")
            if element_id:
                chain.insert(0, element_id)
                break
            chain.insert(0, local_name(current))
            current = self.parents.get(current)
        return " > ".join(chain)

    def error(self, anchor: ET.Element, message: str, *path: str) -> None:
        """Record a problem of ``anchor`` (or of the part ``path`` below it); duplicates are dropped."""
        problem = Problem(self.identify(anchor, *path), message)
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append((self.positions.get(anchor, -1), problem))

    def raise_problems(self) -> None:
        """Raise :class:`BpmnValidationError` with every problem, elements in document order."""
        if not self.problems:
            return
        first_position: dict[str | None, int] = {}
        for position, problem in self.problems:
            first_position.setdefault(problem.element, position)
        ordered = sorted(
            enumerate(self.problems), key=lambda item: (first_position[item[1][1].element], item[0])
        )
        raise BpmnValidationError(self.resource_name, [problem for _, (_, problem) in ordered])
