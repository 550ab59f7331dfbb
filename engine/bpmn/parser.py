"""Deploying a BPMN resource: parse every executable process and validate it like Zeebe does."""

from __future__ import annotations

from engine.bpmn.builder import ProcessBuilder, parse_bool
from engine.bpmn.document import Document, bpmn
from engine.bpmn.model import Process
from engine.bpmn.rules import check_process

__all__ = ["parse_resource"]


def parse_resource(resource_name: str, content: bytes) -> list[Process]:
    """Parse the executable processes (``isExecutable="true"``) of a BPMN file, in document order.

    Raises :class:`engine.bpmn.errors.BpmnValidationError` with every problem found (XML that is not
    well-formed, a DOCTYPE, no executable process, unsupported elements, invalid expressions, ...);
    its ``str()`` is the rejection reason Zeebe would give for the deployment.
    """
    document = Document.parse(resource_name, content)
    for duplicate in document.duplicate_ids:
        document.error(
            duplicate, f"cvc-id.2: There are multiple occurrences of ID value '{duplicate.get('id')}'."
        )
    executable = [
        process
        for process in document.root.findall(bpmn("process"))
        if parse_bool(process.get("isExecutable"), False)
    ]
    if not executable:
        document.error(document.root, "Must contain at least one executable process")
    processes: list[Process] = []
    for process_xml in executable:
        if not process_xml.get("id"):
            document.error(process_xml, "Attribute 'id' must be present and not empty")
            continue
        builder = ProcessBuilder(document, process_xml)
        process = builder.build()
        check_process(builder)
        processes.append(process)
    document.raise_problems()
    return processes
