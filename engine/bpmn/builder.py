"""Element builders: each BPMN XML flow element becomes one model :class:`Element`.

The builders check what can be seen from the element alone (its event definition, its extension
elements, its expressions). Checks that need the whole process (sequence flows, boundary event
attachments, scopes, gateways, compensation) are in :mod:`engine.bpmn.rules`, which runs on the
:class:`ProcessBuilder` once every element of the process is built.
"""

from __future__ import annotations

import datetime as dt
import decimal
import xml.etree.ElementTree as ET
from collections.abc import Callable

import engine.timers as timers
from engine.bpmn import values
from engine.bpmn.document import (
    BPMN_NS,
    ZEEBE_NS,
    Document,
    bpmn,
    bpmn_children,
    documentation,
    extension_elements,
    split_tag,
    text_content,
    zeebe,
    zeebe_extensions,
)
from engine.bpmn.model import (
    Element,
    ElementType,
    EventType,
    Literal,
    Mapping,
    MessageSubscription,
    MultiInstance,
    Process,
    SequenceFlow,
    TaskDefinition,
    TimerDefinition,
    TimerKind,
    Value,
)
from engine.feel import Expression, FeelError

__all__ = ["ACTIVITY_TYPES", "ProcessBuilder", "parse_bool"]

ACTIVITY_TYPES = frozenset(
    {
        ElementType.SERVICE_TASK,
        ElementType.SEND_TASK,
        ElementType.SCRIPT_TASK,
        ElementType.BUSINESS_RULE_TASK,
        ElementType.RECEIVE_TASK,
        ElementType.SUB_PROCESS,
    }
)
"""Elements that can carry boundary events, multi-instance and ``isForCompensation``."""

# Children of a process or subprocess that are not flow elements: skipped (associations are kept
# for compensation). Everything else in the BPMN namespace is a flow element.
_NON_FLOW_CHILDREN = frozenset(
    {
        "documentation",
        "extensionElements",
        "auditing",
        "monitoring",
        "property",
        "laneSet",
        "association",
        "group",
        "textAnnotation",
        "category",
        "resourceRole",
        "performer",
        "humanPerformer",
        "potentialOwner",
        "correlationSubscription",
        "supports",
        "ioSpecification",
        "ioBinding",
        "dataInputAssociation",
        "dataOutputAssociation",
        "incoming",
        "outgoing",
        "multiInstanceLoopCharacteristics",
        "standardLoopCharacteristics",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
    }
)

_JOB_WORKER_TAGS = {
    "serviceTask": ElementType.SERVICE_TASK,
    "sendTask": ElementType.SEND_TASK,
    "scriptTask": ElementType.SCRIPT_TASK,
    "businessRuleTask": ElementType.BUSINESS_RULE_TASK,
}

_EVENT_DEFINITIONS = {
    "messageEventDefinition": EventType.MESSAGE,
    "timerEventDefinition": EventType.TIMER,
    "errorEventDefinition": EventType.ERROR,
    "compensateEventDefinition": EventType.COMPENSATION,
    "terminateEventDefinition": EventType.TERMINATE,
    "signalEventDefinition": EventType.SIGNAL,
}

# Zeebe extension elements that carry no semantics for the engine (metadata for tools).
_IGNORED_EXTENSIONS = frozenset({"properties", "versionTag", "userTaskForm"})
# Implementations this engine does not offer: a job worker (zeebe:taskDefinition) is the only one.
_OTHER_IMPLEMENTATIONS = ("script", "calledDecision", "publishMessage")

_TIMER_PARTS = (
    ("timeDuration", TimerKind.DURATION),
    ("timeDate", TimerKind.DATE),
    ("timeCycle", TimerKind.CYCLE),
)
_TIMER_LABELS = {TimerKind.DURATION: "duration", TimerKind.DATE: "date", TimerKind.CYCLE: "cycle"}
_VALIDATION_NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
"""The fixed "now" at which static timer values are checked, so that deployment is deterministic."""

_RESERVED_HEADER_PREFIX = "io.camunda.zeebe:"


def parse_bool(text: str | None, default: bool) -> bool:
    """An ``xsd:boolean`` attribute."""
    if text is None:
        return default
    normalized = text.strip().lower()
    if normalized in ("true", "1"):
        return True
    if normalized in ("false", "0"):
        return False
    return default


def unsupported_element(name: str) -> str:
    return f"Elements of type '{name}' are currently not supported by this engine (unsupported element)"


def duplicate_extension(name: str) -> str:
    return (
        f"Must have exactly one 'zeebe:{name}' extension element when exists. "
        "Please check process definition XML and retain only one extension element."
    )


class ProcessBuilder:
    """Builds one executable ``bpmn:process`` into a :class:`Process`, recording problems in the document."""

    def __init__(self, document: Document, process: ET.Element) -> None:
        self.document = document
        self.process_xml = process
        process_id = process.get("id") or ""
        self.root = Element(
            id=process_id,
            type=ElementType.PROCESS,
            name=process.get("name"),
            documentation=documentation(process),
        )
        self.elements: dict[str, Element] = {process_id: self.root}
        self.xml: dict[str, ET.Element] = {process_id: process}
        self.flows: dict[str, SequenceFlow] = {}
        self.flow_xml: dict[str, ET.Element] = {}
        self.flow_scope: dict[str, str] = {}
        """The id of the scope whose XML contains the flow."""
        self.associations: list[ET.Element] = []
        self._builders: dict[str, Callable[[ET.Element, Element], Element | None]] = {
            "startEvent": self._start_event,
            "endEvent": self._end_event,
            "intermediateCatchEvent": self._intermediate_catch_event,
            "intermediateThrowEvent": self._intermediate_throw_event,
            "boundaryEvent": self._boundary_event,
            "receiveTask": self._receive_task,
            "subProcess": self._sub_process,
            "exclusiveGateway": self._exclusive_gateway,
            "parallelGateway": self._gateway,
            "eventBasedGateway": self._gateway,
            **{tag: self._job_worker_task for tag in _JOB_WORKER_TAGS},
        }

    def build(self) -> Process:
        self._check_extensions(self.process_xml, self.root, allowed=())
        self._scope(self.process_xml, self.root)
        return Process(id=self.root.id, name=self.root.name, elements=self.elements, flows=self.flows)

    # -- Scopes and flows -----------------------------------------------------------------------------

    def _scope(self, scope_xml: ET.Element, scope: Element) -> None:
        for child in scope_xml:
            namespace, name = split_tag(child.tag)
            if namespace != BPMN_NS:
                continue
            if name in _NON_FLOW_CHILDREN:
                if name == "association":
                    self.associations.append(child)
                continue
            if name == "sequenceFlow":
                self._sequence_flow(child, scope)
                continue
            builder = self._builders.get(name)
            if builder is None:
                self.document.error(child, unsupported_element(name))
                continue
            element_id = child.get("id")
            if not element_id:
                self.document.error(child, "Attribute 'id' must be present and not empty")
                continue
            if element_id in self.elements:
                continue  # a duplicate id, reported for the whole document
            builder(child, scope)

    def _sequence_flow(self, flow_xml: ET.Element, scope: Element) -> None:
        flow_id = flow_xml.get("id")
        if not flow_id:
            self.document.error(flow_xml, "Attribute 'id' must be present and not empty")
            return
        if flow_id in self.flows or flow_id in self.elements:
            return
        condition: Expression | None = None
        for condition_xml in bpmn_children(flow_xml, "conditionExpression"):
            condition = values.expression(
                self.document, flow_xml, text_content(condition_xml), "conditionExpression", non_static=True
            )
        self.flows[flow_id] = SequenceFlow(
            id=flow_id,
            source=(flow_xml.get("sourceRef") or "").strip(),
            target=(flow_xml.get("targetRef") or "").strip(),
            name=flow_xml.get("name"),
            condition=condition,
        )
        self.flow_xml[flow_id] = flow_xml
        self.flow_scope[flow_id] = scope.id

    def _new(self, xml: ET.Element, element_type: ElementType, scope: Element) -> Element:
        element = Element(
            id=xml.get("id") or "",
            type=element_type,
            name=xml.get("name"),
            documentation=documentation(xml),
            scope=scope.id,
        )
        self.elements[element.id] = element
        self.xml[element.id] = xml
        scope.children.append(element.id)
        self._io_mapping(xml, element)
        return element

    # -- Events ---------------------------------------------------------------------------------------

    def _event_definitions(self, xml: ET.Element) -> list[tuple[str, ET.Element]]:
        found: list[tuple[str, ET.Element]] = []
        for child in xml:
            namespace, name = split_tag(child.tag)
            if namespace == BPMN_NS and (name.endswith("EventDefinition") or name == "eventDefinitionRef"):
                found.append((name, child))
        return found

    def _start_event(self, xml: ET.Element, scope: Element) -> Element:
        element = self._new(xml, ElementType.START_EVENT, scope)
        self._check_extensions(xml, element, allowed=("ioMapping",))
        definitions = self._event_definitions(xml)
        in_event_sub_process = scope.type is ElementType.EVENT_SUB_PROCESS
        if in_event_sub_process:
            element.interrupting = parse_bool(xml.get("isInterrupting"), True)
        if len(definitions) > 1:
            self.document.error(xml, "Start event can't have more than one type")
            return element
        if not definitions:
            if in_event_sub_process:
                self.document.error(
                    xml, "Start events in event subprocesses must be one of: message, timer or error"
                )
            return element
        kind, definition = definitions[0]
        if scope.type is ElementType.SUB_PROCESS:
            self.document.error(xml, "Start events in subprocesses must be of type none")
            return element
        if in_event_sub_process:
            if kind == "compensateEventDefinition":
                self.document.error(
                    xml,
                    "A compensation event subprocess is not allowed on the process level"
                    if self._parent_scope_type(scope) is ElementType.PROCESS
                    else "Compensation event subprocesses are not supported by this engine",
                )
                return element
            if kind not in ("messageEventDefinition", "timerEventDefinition", "errorEventDefinition"):
                self.document.error(
                    xml, "Start events in event subprocesses must be one of: message, timer or error"
                )
                return element
        elif kind not in ("messageEventDefinition", "timerEventDefinition"):
            self.document.error(xml, "Start events must be one of: none, message or timer")
            return element
        element.event_type = _EVENT_DEFINITIONS[kind]
        if in_event_sub_process:
            self._check_interrupting(element, xml, definition)
        process_level = scope.type is ElementType.PROCESS
        if element.event_type is EventType.MESSAGE:
            self._message_catch(
                element,
                xml,
                definition.get("messageRef"),
                require_subscription=not process_level,
                constant_name=process_level,
            )
        elif element.event_type is EventType.TIMER:
            self._timer(element, xml, definition, evaluate_expression=process_level)
        elif element.event_type is EventType.ERROR:
            self._error_catch(element, xml, definition)
        return element

    def _parent_scope_type(self, scope: Element) -> ElementType | None:
        parent = self.elements.get(scope.scope) if scope.scope is not None else None
        return parent.type if parent is not None else None

    def _throw_definition(self, xml: ET.Element, element: Element) -> tuple[str, ET.Element] | None:
        """The one event definition of a throw or end event; None when there is nothing more to build.

        A message throw is a job worker (like a send task), so it is completed here.
        """
        definitions = self._event_definitions(xml)
        if len(definitions) > 1:
            self.document.error(xml, "Must have at most one event definition")
            return None
        kind, definition = definitions[0] if definitions else ("", xml)
        if kind == "messageEventDefinition":
            element.event_type = EventType.MESSAGE
            self._job_worker(element, xml, definition)
            return None
        self._check_extensions(xml, element, allowed=("ioMapping",))
        return kind, definition

    def _end_event(self, xml: ET.Element, scope: Element) -> Element:
        element = self._new(xml, ElementType.END_EVENT, scope)
        thrown = self._throw_definition(xml, element)
        if thrown is None:
            return element
        kind, definition = thrown
        if not kind:
            return element
        if kind == "errorEventDefinition":
            element.event_type = EventType.ERROR
            self._error_throw(element, xml, definition)
        elif kind == "terminateEventDefinition":
            element.event_type = EventType.TERMINATE
        elif kind == "compensateEventDefinition":
            element.event_type = EventType.COMPENSATION
            self._compensation_throw(
                element,
                xml,
                definition,
                "A compensation end event waitForCompletion attribute must be true or not present",
            )
        else:
            self.document.error(
                xml, "End events must be one of: none, error, message, terminate or compensation"
            )
        return element

    def _intermediate_throw_event(self, xml: ET.Element, scope: Element) -> Element:
        element = self._new(xml, ElementType.INTERMEDIATE_THROW_EVENT, scope)
        thrown = self._throw_definition(xml, element)
        if thrown is None:
            return element
        kind, definition = thrown
        if kind == "compensateEventDefinition":
            element.event_type = EventType.COMPENSATION
            self._compensation_throw(
                element,
                xml,
                definition,
                "A compensation intermediate throwing event "
                "waitForCompletion attribute must be true or not present",
            )
        elif kind:
            self.document.error(
                xml, "Intermediate throw events must be one of: none, message or compensation"
            )
        return element

    def _intermediate_catch_event(self, xml: ET.Element, scope: Element) -> Element:
        element = self._new(xml, ElementType.INTERMEDIATE_CATCH_EVENT, scope)
        self._check_extensions(xml, element, allowed=("ioMapping",))
        definitions = self._event_definitions(xml)
        if len(definitions) != 1:
            self.document.error(xml, "Must have exactly one event definition")
            return element
        kind, definition = definitions[0]
        if kind == "messageEventDefinition":
            element.event_type = EventType.MESSAGE
            self._message_catch(element, xml, definition.get("messageRef"), require_subscription=True)
        elif kind == "timerEventDefinition":
            element.event_type = EventType.TIMER
            if definition.find(bpmn("timeDuration")) is None and definition.find(bpmn("timeDate")) is None:
                self.document.error(
                    xml, "Intermediate timer catch event must have either a time duration or a time date."
                )
            else:
                self._timer(element, xml, definition)
        elif kind == "signalEventDefinition":
            element.event_type = EventType.SIGNAL
            self._signal(element, xml, definition)
        else:
            self.document.error(xml, "Event definition must be one of: message, timer or signal")
        return element

    def _boundary_event(self, xml: ET.Element, scope: Element) -> Element:
        element = self._new(xml, ElementType.BOUNDARY_EVENT, scope)
        self._check_extensions(xml, element, allowed=("ioMapping",))
        element.attached_to = (xml.get("attachedToRef") or "").strip() or None
        element.interrupting = parse_bool(xml.get("cancelActivity"), True)
        definitions = self._event_definitions(xml)
        if len(definitions) != 1:
            self.document.error(xml, "Must have exactly one event definition")
            return element
        kind, definition = definitions[0]
        event_type = _EVENT_DEFINITIONS.get(kind)
        if event_type not in (
            EventType.TIMER,
            EventType.MESSAGE,
            EventType.ERROR,
            EventType.SIGNAL,
            EventType.COMPENSATION,
        ):
            self.document.error(
                xml, "Boundary events must be one of: timer, message, error, signal or compensation"
            )
            return element
        assert event_type is not None
        element.event_type = event_type
        self._check_interrupting(element, xml, definition)
        if event_type is EventType.TIMER:
            self._timer(element, xml, definition)
        elif event_type is EventType.MESSAGE:
            self._message_catch(element, xml, definition.get("messageRef"), require_subscription=True)
        elif event_type is EventType.ERROR:
            self._error_catch(element, xml, definition)
        elif event_type is EventType.SIGNAL:
            self._signal(element, xml, definition)
        return element

    def _check_interrupting(self, element: Element, xml: ET.Element, definition: ET.Element) -> None:
        """Zeebe's rules for boundary events and event subprocess start events."""
        if not element.interrupting and element.event_type not in (
            EventType.MESSAGE,
            EventType.TIMER,
            EventType.SIGNAL,
        ):
            self.document.error(xml, "Non-Interrupting event of this type is not allowed")
        if (
            element.interrupting
            and element.event_type is EventType.TIMER
            and definition.find(bpmn("timeCycle")) is not None
        ):
            self.document.error(xml, "Interrupting timer event with time cycle is not allowed.")

    # -- Event facets ---------------------------------------------------------------------------------

    def _message_catch(
        self,
        element: Element,
        xml: ET.Element,
        message_ref: str | None,
        *,
        require_subscription: bool,
        constant_name: bool = False,
    ) -> None:
        document = self.document
        message = document.lookup(message_ref, "message")
        if message is None:
            document.error(xml, "Must reference a message")
            return
        name_text = message.get("name")
        name: Value | None = None
        if not name_text:
            document.error(message, "Name must be present and not empty")
        else:
            name = values.value(document, message, name_text)
        subscriptions = extension_elements(message, "subscription")
        if require_subscription and len(subscriptions) != 1:
            document.error(message, "Must have exactly one zeebe:subscription extension element")
        correlation_key: Value | None = None
        if subscriptions:
            key_text = subscriptions[0].get("correlationKey")
            where = ("extensionElements", "subscription")
            if not key_text:
                document.error(message, "Attribute 'correlationKey' must be present and not empty", *where)
            else:
                correlation_key = values.expression(document, message, key_text, *where, non_static=True)
        if constant_name and isinstance(name, Expression):
            name = self._constant_message_name(xml, name_text or "", name)
        if name is not None:
            element.message = MessageSubscription(name=name, correlation_key=correlation_key)

    def _constant_message_name(self, xml: ET.Element, text: str, name: Expression) -> Literal | None:
        """A process's message start event needs a name that is known at deployment (Zeebe evaluates it)."""
        try:
            result = name.evaluate({})
        except FeelError as error:
            self.document.error(
                xml,
                f"Expected constant expression but found '{text}', which could not be evaluated without "
                f"context: {error}",
            )
            return None
        if not isinstance(result, str):
            self.document.error(
                xml,
                f"Expected constant expression of type String for message name '{text}', but was "
                f"{_feel_type(result)}",
            )
            return None
        return Literal(result)

    def _timer(
        self, element: Element, xml: ET.Element, definition: ET.Element, *, evaluate_expression: bool = False
    ) -> None:
        """A timer definition; static values are checked now, and FEEL ones too if ``evaluate_expression``.

        Zeebe evaluates the expressions of a process's timer start events at deployment (there are no
        variables to wait for); other timer expressions are only evaluated when the event activates.
        """
        parts = [(kind, child) for tag, kind in _TIMER_PARTS for child in definition.findall(bpmn(tag))]
        if len(parts) != 1:
            self.document.error(xml, "Must be exactly one type of timer: timeDuration, timeDate or timeCycle")
            return
        kind, part = parts[0]
        text = text_content(part)
        label = _TIMER_LABELS[kind]
        timer_value: Value
        if values.is_expression(text):
            compiled = values.compile_feel(self.document, xml, text)
            if compiled is None:
                return
            if evaluate_expression:
                try:
                    timers.next_due(kind, compiled.evaluate({}), _VALIDATION_NOW)
                except (FeelError, ValueError) as error:
                    self.document.error(xml, f"Invalid timer {label} expression ({error})")
                    return
            timer_value = compiled
        else:
            try:
                timers.next_due(kind, text, _VALIDATION_NOW)
            except ValueError as error:
                self.document.error(xml, f"Invalid timer {label} expression ({error})")
                return
            timer_value = Literal(text)
        element.timer = TimerDefinition(kind=kind, value=timer_value)

    def _error_catch(self, element: Element, xml: ET.Element, definition: ET.Element) -> None:
        """An error catch event: a specific code, or None (no error, or an error without code) for all."""
        error_ref = (definition.get("errorRef") or "").strip()
        if not error_ref:
            return
        error = self.document.lookup(error_ref, "error")
        if error is None:
            self.document.error(xml, f"The referenced error '{error_ref}' doesn't exist")
            return
        code = error.get("errorCode")
        if code and code.strip().startswith("="):
            self.document.error(
                xml, "The errorCode of the error catch event is not allowed to be an expression"
            )
            return
        element.error_code = code or None

    def _error_throw(self, element: Element, xml: ET.Element, definition: ET.Element) -> None:
        error = self.document.lookup(definition.get("errorRef"), "error")
        if error is None:
            self.document.error(xml, "Must reference an error")
            return
        code = error.get("errorCode")
        if not code:
            self.document.error(xml, "ErrorCode must be present and not empty")
        elif code.strip().startswith("="):
            self.document.error(
                xml, f"Error codes given as expressions ('{code}') are not supported by this engine"
            )
        else:
            element.error_code = code

    def _signal(self, element: Element, xml: ET.Element, definition: ET.Element) -> None:
        signal = self.document.lookup(definition.get("signalRef"), "signal")
        if signal is None:
            self.document.error(xml, "Must reference a signal")
            return
        name = signal.get("name")
        if not name:
            self.document.error(signal, "Name must be present and not empty")
            return
        element.signal_name = values.value(self.document, signal, name)

    def _compensation_throw(
        self, element: Element, xml: ET.Element, definition: ET.Element, wait_message: str
    ) -> None:
        wait = definition.get("waitForCompletion")
        if wait is not None and not parse_bool(wait, False):
            self.document.error(xml, wait_message)
        element.compensation_activity_ref = (definition.get("activityRef") or "").strip() or None

    # -- Activities -----------------------------------------------------------------------------------

    def _job_worker_task(self, xml: ET.Element, scope: Element) -> Element:
        _, tag = split_tag(xml.tag)
        element = self._new(xml, _JOB_WORKER_TAGS[tag], scope)
        self._job_worker(element, xml, None)
        self._activity(element, xml)
        return element

    def _job_worker(self, element: Element, xml: ET.Element, event_definition: ET.Element | None) -> None:
        """``zeebe:taskDefinition`` (exactly one) and ``zeebe:taskHeaders`` of a job-worker element."""
        document = self.document
        self._check_extensions(xml, element, allowed=("ioMapping", "taskDefinition", "taskHeaders"))
        if event_definition is not None:
            for publish in extension_elements(event_definition, "publishMessage"):
                document.error(
                    xml,
                    "'zeebe:publishMessage' is not supported by this engine; use a 'zeebe:taskDefinition' "
                    "(job worker)",
                    split_tag(publish.tag)[1],
                )
        definitions = extension_elements(xml, "taskDefinition")
        if len(definitions) != 1:
            document.error(xml, "Must have exactly one 'zeebe:taskDefinition' extension element")
        else:
            element.task = self._task_definition(xml, definitions[0])
        headers = extension_elements(xml, "taskHeaders")
        if len(headers) > 1:
            document.error(xml, duplicate_extension("taskHeaders"))
        if headers:
            element.task_headers = self._task_headers(xml, headers[0])

    def _task_definition(self, xml: ET.Element, definition: ET.Element) -> TaskDefinition | None:
        document = self.document
        where = ("extensionElements", "taskDefinition")
        type_text = definition.get("type")
        job_type: Value | None = None
        if not type_text or not type_text.strip():
            document.error(xml, "Attribute 'type' must be present and not empty", *where)
        else:
            job_type = values.value(document, xml, type_text, *where)
        retries_text = definition.get("retries")
        retries: Value | None = Literal("3")
        if retries_text is not None:
            if not retries_text.strip():
                document.error(xml, "Attribute 'retries' must be present and not empty", *where)
                retries = None
            else:
                retries = values.value(document, xml, retries_text, *where)
                if isinstance(retries, Literal) and not _is_int(retries_text):
                    document.error(
                        xml,
                        f"Expected static value to be a valid Number, but found '{retries_text}'.",
                        *where,
                    )
                    retries = None
        if job_type is None or retries is None:
            return None
        return TaskDefinition(type=job_type, retries=retries)

    def _task_headers(self, xml: ET.Element, headers: ET.Element) -> dict[str, str]:
        where = ("extensionElements", "taskHeaders")
        result: dict[str, str] = {}
        reported: set[str] = set()
        for header in headers.findall(zeebe("header")):
            key = header.get("key")
            if not key:
                self.document.error(xml, "Attribute 'key' must be present and not empty", *where, "header")
                continue
            if key.startswith(_RESERVED_HEADER_PREFIX):
                self.document.error(
                    xml,
                    f"Attribute 'key' contains '{key}', but header keys starting with "
                    f"'{_RESERVED_HEADER_PREFIX}' are reserved for internal use.",
                    *where,
                )
            if key in result and key not in reported:
                reported.add(key)
                self.document.error(xml, f"Headers contain duplicate entries for key '{key}'", *where)
            result[key] = header.get("value") or ""
        return result

    def _receive_task(self, xml: ET.Element, scope: Element) -> Element:
        element = self._new(xml, ElementType.RECEIVE_TASK, scope)
        self._check_extensions(xml, element, allowed=("ioMapping",))
        element.event_type = EventType.MESSAGE
        self._message_catch(element, xml, xml.get("messageRef"), require_subscription=True)
        self._activity(element, xml)
        return element

    def _sub_process(self, xml: ET.Element, scope: Element) -> Element:
        event_sub_process = parse_bool(xml.get("triggeredByEvent"), False)
        element_type = ElementType.EVENT_SUB_PROCESS if event_sub_process else ElementType.SUB_PROCESS
        element = self._new(xml, element_type, scope)
        self._check_extensions(xml, element, allowed=("ioMapping",))
        if event_sub_process:
            if bpmn_children(xml, "multiInstanceLoopCharacteristics") or bpmn_children(
                xml, "standardLoopCharacteristics"
            ):
                self.document.error(xml, "Event subprocesses cannot have loop characteristics")
        else:
            self._activity(element, xml)
        self._scope(xml, element)
        return element

    def _activity(self, element: Element, xml: ET.Element) -> None:
        element.is_for_compensation = parse_bool(xml.get("isForCompensation"), False)
        if bpmn_children(xml, "standardLoopCharacteristics"):
            self.document.error(xml, unsupported_element("standardLoopCharacteristics"))
        for loop in bpmn_children(xml, "multiInstanceLoopCharacteristics")[:1]:
            element.multi_instance = self._multi_instance(xml, loop)

    def _multi_instance(self, xml: ET.Element, loop: ET.Element) -> MultiInstance | None:
        document = self.document
        base = ("multiInstanceLoopCharacteristics",)
        characteristics = extension_elements(loop, "loopCharacteristics")
        if len(characteristics) != 1:
            document.error(xml, "Must have exactly one 'zeebe:loopCharacteristics' extension element", *base)
            return None
        zeebe_loop = characteristics[0]
        where = (*base, "extensionElements", "loopCharacteristics")
        valid = True
        input_collection: Expression | None = None
        input_text = zeebe_loop.get("inputCollection")
        if not input_text:
            document.error(xml, "Attribute 'inputCollection' must be present and not empty", *where)
        else:
            input_collection = values.expression(document, xml, input_text, *where, non_static=True)
        output_collection = zeebe_loop.get("outputCollection") or None
        output_element_text = zeebe_loop.get("outputElement") or None
        if output_collection and not output_element_text:
            document.error(
                xml,
                "Attribute 'outputElement' must be present if the attribute 'outputCollection' is set",
                *where,
            )
            valid = False
        elif output_element_text and not output_collection:
            document.error(
                xml,
                "Attribute 'outputCollection' must be present if the attribute 'outputElement' is set",
                *where,
            )
            valid = False
        output_element: Expression | None = None
        if output_element_text:
            output_element = values.expression(document, xml, output_element_text, *where, non_static=True)
            valid = valid and output_element is not None
        completion_condition: Expression | None = None
        for condition in bpmn_children(loop, "completionCondition"):
            completion_condition = values.expression(
                document, xml, text_content(condition), *base, "completionCondition", non_static=True
            )
            valid = valid and completion_condition is not None
        if input_collection is None or not valid:
            return None
        return MultiInstance(
            sequential=parse_bool(loop.get("isSequential"), False),
            input_collection=input_collection,
            input_element=zeebe_loop.get("inputElement") or None,
            output_collection=output_collection,
            output_element=output_element,
            completion_condition=completion_condition,
        )

    # -- Gateways -------------------------------------------------------------------------------------

    def _exclusive_gateway(self, xml: ET.Element, scope: Element) -> Element:
        element = self._gateway(xml, scope)
        element.default_flow = (xml.get("default") or "").strip() or None
        return element

    def _gateway(self, xml: ET.Element, scope: Element) -> Element:
        _, tag = split_tag(xml.tag)
        element_type = {
            "exclusiveGateway": ElementType.EXCLUSIVE_GATEWAY,
            "parallelGateway": ElementType.PARALLEL_GATEWAY,
            "eventBasedGateway": ElementType.EVENT_BASED_GATEWAY,
        }[tag]
        element = self._new(xml, element_type, scope)
        self._check_extensions(xml, element, allowed=("ioMapping",))
        return element

    # -- Extension elements ---------------------------------------------------------------------------

    def _check_extensions(self, xml: ET.Element, element: Element, *, allowed: tuple[str, ...]) -> None:
        """Reject Zeebe extension elements that change behaviour but that this engine does not implement."""
        for extension in zeebe_extensions(xml):
            name = split_tag(extension.tag)[1]
            if name in allowed or name in _IGNORED_EXTENSIONS:
                continue
            if name in _OTHER_IMPLEMENTATIONS and element.type in _JOB_WORKER_TAGS.values():
                message = (
                    f"'zeebe:{name}' is not supported by this "
                    "engine; use a 'zeebe:taskDefinition' (job worker)"
                )
            else:
                message = f"The extension element 'zeebe:{name}' is not supported by this engine"
            self.document.error(xml, message, "extensionElements", name)

    def _io_mapping(self, xml: ET.Element, element: Element) -> None:
        mappings = extension_elements(xml, "ioMapping")
        if len(mappings) > 1:
            self.document.error(xml, duplicate_extension("ioMapping"))
        if not mappings:
            return
        document = self.document
        for mapping in mappings[0]:
            namespace, kind = split_tag(mapping.tag)
            if namespace != ZEEBE_NS or kind not in ("input", "output"):
                continue
            where = ("extensionElements", "ioMapping", kind)
            source = values.expression(
                document, xml, mapping.get("source"), *where, non_static=kind == "output"
            )
            target = values.path(document, xml, mapping.get("target"), *where)
            if source is None or target is None:
                continue
            (element.inputs if kind == "input" else element.outputs).append(
                Mapping(source=source, target=target)
            )


def _is_int(text: str) -> bool:
    try:
        int(text.strip())
    except ValueError:
        return False
    return True


def _feel_type(value: object) -> str:
    """Zeebe's name of a FEEL result type, for messages."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float | decimal.Decimal):
        return "NUMBER"
    if isinstance(value, list):
        return "ARRAY"
    if isinstance(value, dict):
        return "OBJECT"
    return type(value).__name__.upper()
