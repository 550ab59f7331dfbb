"""Steps process instances through their BPMN elements until every path waits.

Work is a queue of steps (activate, complete) rather than recursion, so a long chain of pass-through
elements cannot exhaust the stack, and the order of effects matches Zeebe's follow-up commands.
Termination is synchronous: it only ever walks down the tree of active element instances.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from engine.bpmn.model import (
    JOB_WORKER_TYPES,
    Element,
    ElementType,
    EventType,
    Literal,
    Process,
    Value,
)
from engine.feel import Expression, FeelError, to_json
from engine.runtime.definitions import DeployedProcess
from engine.runtime.partition import Partition
from engine.runtime.state import (
    CompensationSubscription,
    ElementInstance,
    ElementState,
    Incident,
    IncidentType,
    InstanceState,
    Job,
    JobState,
    MessageSubscription,
    ProcessInstance,
    Timer,
)
from engine.runtime.variables import Variables, assign_path
from engine.timers import CronExpression, TimerSchedule, next_due, parse_interval

Step = Callable[[], object]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
FINISHED = (ElementState.COMPLETED, ElementState.TERMINATED)


class ElementFailure(Exception):
    """An expression or mapping failed: the element gets an incident and waits for its resolution."""

    def __init__(self, incident_type: IncidentType, message: str) -> None:
        super().__init__(message)
        self.incident_type = incident_type
        self.message = message


class Execution:
    """The BPMN semantics: what happens when an element is activated, completed or terminated."""

    def __init__(self, partition: Partition) -> None:
        self.p = partition
        self._queue: deque[Step] = deque()

    # ------------------------------------------------------------------ plumbing
    def run(self) -> None:
        queue = self._queue
        while queue:
            queue.popleft()()

    def _later(self, step: Step) -> None:
        self._queue.append(step)

    def process_of(self, instance: ProcessInstance) -> Process:
        definition = self.p.definitions.by_key(instance.definition_key)
        assert definition is not None, "an instance always has its definition"
        return definition.process

    def variables(self, instance: ProcessInstance) -> Variables:
        journal = self.p.journal
        return Variables(instance, lambda scope, name, value: journal.variable(instance, scope, name, value))

    def evaluate(self, instance: ProcessInstance, scope_key: int, value: Value, what: str) -> Any:
        """Resolve a static-or-FEEL attribute to a JSON value; a failure becomes ``ElementFailure``."""
        if isinstance(value, Literal):
            return value.value
        context = self.variables(instance).visible(scope_key)
        return to_json(_evaluate(value, context, IncidentType.EXTRACT_VALUE_ERROR, what))

    def _touch(self, instance: ProcessInstance, element: ElementInstance) -> None:
        self.p.journal.element(instance, element)

    # ------------------------------------------------------------------ instances
    def start_instance(
        self,
        definition: DeployedProcess,
        variables: dict[str, Any],
        start_event_id: str | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> ProcessInstance:
        """Create an instance and run it to its first wait states."""
        process = definition.process
        now = self.p.clock()
        key = self.p.new_key()
        instance = ProcessInstance(
            key=key,
            definition_key=definition.key,
            bpmn_process_id=definition.bpmn_process_id,
            version=definition.version,
            start_date=now,
        )
        self.p.add_instance(instance)
        root = ElementInstance(
            key=key,
            element_id=process.id,
            element_type=ElementType.PROCESS,
            flow_scope_key=None,
            state=ElementState.ACTIVATED,
            start_date=now,
        )
        instance.elements[key] = root
        self.p.element_owner[key] = key
        self._touch(instance, root)
        self.variables(instance).set_all_local(key, variables)
        self.p.lifecycle.instance_started(instance)
        self._open_event_sub_process_starts(instance, root, process.root)
        start_id = start_event_id or process.root.none_start_event
        assert start_id is not None, "callers check that the process has the start event"
        start = self._create(instance, process.element(start_id), root)
        self._later(lambda: self.activate(instance, start, trigger))
        self.run()
        return instance

    def _finish_instance(self, instance: ProcessInstance, state: InstanceState) -> None:
        instance.state = state
        instance.end_date = self.p.clock()
        for subscription in instance.subscriptions.values():
            self.p.unindex_subscription(subscription)
        instance.subscriptions.clear()
        for timer_key in instance.timers:
            self.p.timers.pop(timer_key, None)
        instance.timers.clear()
        for job in instance.jobs.values():
            self.p.unindex_job(job)
        instance.jobs.clear()
        instance.compensations.clear()
        instance.finished_scopes.clear()
        for incident_key in instance.incidents:
            self.p.remove_incident(instance, incident_key)
        self.p.remove_instance(instance)
        self.p.journal.instance(instance)
        self.p.lifecycle.instance_ended(instance)
        self.p.instance_finished(instance)

    def cancel(self, instance: ProcessInstance) -> None:
        self.terminate(instance, instance.elements[instance.key])
        self._finish_instance(instance, InstanceState.CANCELED)

    # ------------------------------------------------------------------ element instances
    def _create(
        self, instance: ProcessInstance, element: Element, flow_scope: ElementInstance | None
    ) -> ElementInstance:
        element_type = ElementType.MULTI_INSTANCE_BODY if element.multi_instance else element.type
        return self._create_typed(instance, element, element_type, flow_scope)

    def _create_typed(
        self,
        instance: ProcessInstance,
        element: Element,
        element_type: ElementType,
        flow_scope: ElementInstance | None,
    ) -> ElementInstance:
        key = self.p.new_key()
        child = ElementInstance(
            key=key,
            element_id=element.id,
            element_type=element_type,
            flow_scope_key=flow_scope.key if flow_scope else None,
            start_date=self.p.clock(),
        )
        instance.elements[key] = child
        self.p.element_owner[key] = instance.key
        if flow_scope is not None:
            flow_scope.active_children += 1
        self._touch(instance, child)
        self.p.lifecycle.element_started(instance, child)
        return child

    def children(self, instance: ProcessInstance, scope: ElementInstance) -> list[ElementInstance]:
        return [
            e for e in instance.elements.values() if e.flow_scope_key == scope.key and e.state not in FINISHED
        ]

    def _is_inner(self, element: Element, element_instance: ElementInstance) -> bool:
        """An instance inside a multi-instance body (the body owns the boundary events)."""
        return (
            element.multi_instance is not None
            and element_instance.element_type != ElementType.MULTI_INSTANCE_BODY
        )

    def _fail(
        self, instance: ProcessInstance, element: ElementInstance, step: str, failure: ElementFailure
    ) -> None:
        element.failed_step = step
        self.raise_incident(instance, element, failure.incident_type, failure.message)

    def raise_incident(
        self,
        instance: ProcessInstance,
        element: ElementInstance,
        incident_type: IncidentType,
        message: str,
        job: Job | None = None,
    ) -> Incident:
        incident = Incident(
            key=self.p.new_key(),
            type=incident_type,
            message=message,
            process_instance_key=instance.key,
            element_instance_key=element.key,
            element_id=element.element_id,
            job_key=job.key if job else None,
            created=self.p.clock(),
        )
        instance.incidents[incident.key] = incident
        self.p.add_incident(instance, incident.key)
        element.incident_key = incident.key
        if job is not None:
            job.incident_key = incident.key
        self.p.journal.incident(instance, incident, open_=True)
        self._touch(instance, element)
        self.p.lifecycle.incident_raised(instance, incident)
        return incident

    def close_incident(self, instance: ProcessInstance, incident: Incident) -> None:
        instance.incidents.pop(incident.key, None)
        self.p.remove_incident(instance, incident.key)
        element = instance.elements.get(incident.element_instance_key)
        if element is not None and element.incident_key == incident.key:
            element.incident_key = None
            self._touch(instance, element)
        self.p.journal.incident(instance, incident, open_=False)
        self.p.lifecycle.incident_closed(instance, incident)

    def retry_failed_step(self, instance: ProcessInstance, element: ElementInstance) -> None:
        """Resume the step an element incident interrupted."""
        step, element.failed_step = element.failed_step, None
        if step == "activate":
            self._later(lambda: self.activate(instance, element, None))
        elif step == "complete":
            self._later(lambda: self.complete(instance, element, None))
        self.run()

    # ------------------------------------------------------------------ activation
    def activate(
        self, instance: ProcessInstance, ei: ElementInstance, trigger: dict[str, Any] | None
    ) -> None:
        if ei.state in FINISHED or ei.state is ElementState.TERMINATING:
            return
        process = self.process_of(instance)
        element = process.element(ei.element_id)
        try:
            if ei.element_type == ElementType.MULTI_INSTANCE_BODY:
                self._activate_body(instance, ei, element)
                return
            if element.inputs:
                self._apply_inputs(instance, ei, element)
            self._activate_by_type(instance, ei, element, trigger)
        except ElementFailure as failure:
            self._fail(instance, ei, "activate", failure)

    def _mark_activated(self, instance: ProcessInstance, ei: ElementInstance) -> None:
        ei.state = ElementState.ACTIVATED
        self._touch(instance, ei)

    def _activate_by_type(
        self, instance: ProcessInstance, ei: ElementInstance, element: Element, trigger: dict[str, Any] | None
    ) -> None:
        element_type = element.type
        if element_type in JOB_WORKER_TYPES or (element.task is not None):
            self._create_job(instance, ei, element)
            self._open_boundary_events(instance, ei, element)
            self._mark_activated(instance, ei)
            return
        if element_type in (ElementType.START_EVENT, ElementType.BOUNDARY_EVENT):
            self._mark_activated(instance, ei)
            self._later(lambda: self.complete(instance, ei, trigger))
            return
        if element_type in (ElementType.INTERMEDIATE_CATCH_EVENT, ElementType.RECEIVE_TASK):
            self._mark_activated(instance, ei)
            if trigger is not None:
                self._later(lambda: self.complete(instance, ei, trigger))
                return
            self._open_event(instance, ei, element, owner=ei)
            if element_type == ElementType.RECEIVE_TASK:
                self._open_boundary_events(instance, ei, element)
            return
        if element_type in (ElementType.INTERMEDIATE_THROW_EVENT, ElementType.END_EVENT):
            self._activate_throw_event(instance, ei, element)
            return
        if element_type == ElementType.EXCLUSIVE_GATEWAY:
            ei.chosen_flow = self._choose_flow(instance, ei, element)
            self._mark_activated(instance, ei)
            self._later(lambda: self.complete(instance, ei, None))
            return
        if element_type == ElementType.PARALLEL_GATEWAY:
            self._mark_activated(instance, ei)
            self._later(lambda: self.complete(instance, ei, None))
            return
        if element_type == ElementType.EVENT_BASED_GATEWAY:
            self._mark_activated(instance, ei)
            process = self.process_of(instance)
            for flow_id in element.outgoing:
                target = process.element(process.flow(flow_id).target)
                self._open_event(instance, ei, target, owner=ei)
            return
        if element_type == ElementType.SUB_PROCESS:
            self._open_boundary_events(instance, ei, element)
            self._mark_activated(instance, ei)
            self._open_event_sub_process_starts(instance, ei, element)
            assert element.none_start_event is not None
            start = self._create(instance, self.process_of(instance).element(element.none_start_event), ei)
            self._later(lambda: self.activate(instance, start, None))
            return
        if element_type == ElementType.EVENT_SUB_PROCESS:
            self._mark_activated(instance, ei)
            start_id = element.start_events[0]
            start = self._create(instance, self.process_of(instance).element(start_id), ei)
            self._later(lambda: self.activate(instance, start, trigger or {}))
            return
        raise AssertionError(f"unsupported element type {element_type}")  # the parser refuses these

    def _activate_throw_event(self, instance: ProcessInstance, ei: ElementInstance, element: Element) -> None:
        self._mark_activated(instance, ei)
        event_type = element.event_type
        if event_type is EventType.ERROR:
            self.throw_error(instance, ei, element.error_code or "", "", {})
        elif event_type is EventType.COMPENSATION:
            self._throw_compensation(instance, ei, element)
        elif event_type is EventType.TERMINATE:
            self._later(lambda: self._terminate_end(instance, ei))
        else:
            self._later(lambda: self.complete(instance, ei, None))

    def _apply_inputs(self, instance: ProcessInstance, ei: ElementInstance, element: Element) -> None:
        variables = self.variables(instance)
        for mapping in element.inputs:
            context = variables.visible(ei.key)
            what = f"input mapping to '{mapping.target}'"
            value = to_json(_evaluate(mapping.source, context, IncidentType.IO_MAPPING_ERROR, what))
            head = mapping.target.split(".", 1)[0]
            document = {head: variables.local(ei.key).get(head, context.get(head))}
            assign_path(document, mapping.target, value)
            variables.set_local(ei.key, head, document[head])

    def _outputs(self, instance: ProcessInstance, ei: ElementInstance, element: Element) -> dict[str, Any]:
        """Evaluate output mappings into the document that is merged into the flow scope."""
        variables = self.variables(instance)
        context = variables.visible(ei.key)
        outer = variables.visible(ei.flow_scope_key) if ei.flow_scope_key is not None else {}
        result: dict[str, Any] = {}
        for mapping in element.outputs:
            what = f"output mapping to '{mapping.target}'"
            value = to_json(_evaluate(mapping.source, context, IncidentType.IO_MAPPING_ERROR, what))
            head = mapping.target.split(".", 1)[0]
            if "." in mapping.target and head not in result:
                result[head] = outer.get(head)
            assign_path(result, mapping.target, value)
        return result

    def _choose_flow(self, instance: ProcessInstance, ei: ElementInstance, element: Element) -> str:
        process = self.process_of(instance)
        context = self.variables(instance).visible(ei.key)
        for flow_id in element.outgoing:
            flow = process.flow(flow_id)
            if flow.condition is None or flow_id == element.default_flow:
                continue
            what = f"the condition of sequence flow '{flow_id}'"
            result = _evaluate(flow.condition, context, IncidentType.CONDITION_ERROR, what)
            if result is True:
                return flow_id
            if result is not False:  # null too: Zeebe never lets a non-boolean condition pick a branch
                raise ElementFailure(
                    IncidentType.CONDITION_ERROR,
                    f"Expected result of the expression '{flow.condition.source}' to be 'BOOLEAN', "
                    f"but was '{_feel_type(result)}'.",
                )
        if element.default_flow is not None:
            return element.default_flow
        if len(element.outgoing) == 1 and process.flow(element.outgoing[0]).condition is None:
            return element.outgoing[0]
        raise ElementFailure(
            IncidentType.CONDITION_ERROR,
            "Expected at least one condition to evaluate to true, or to have a default flow",
        )

    # ------------------------------------------------------------------ jobs
    def _create_job(self, instance: ProcessInstance, ei: ElementInstance, element: Element) -> None:
        task = element.task
        assert task is not None
        job_type = self.evaluate(instance, ei.key, task.type, "job type")
        retries_value = self.evaluate(instance, ei.key, task.retries, "job retries")
        if not isinstance(job_type, str) or not job_type:
            raise ElementFailure(
                IncidentType.EXTRACT_VALUE_ERROR,
                f"Expected result of the expression '{_source(task.type)}' to be 'STRING', but was '{job_type!r}'.",
            )
        try:
            retries = int(retries_value)
        except (TypeError, ValueError):
            raise ElementFailure(
                IncidentType.EXTRACT_VALUE_ERROR,
                f"Expected result of the expression '{_source(task.retries)}' to be 'NUMBER', "
                f"but was '{retries_value!r}'.",
            ) from None
        job = Job(
            key=self.p.new_key(),
            type=job_type,
            process_instance_key=instance.key,
            element_instance_key=ei.key,
            element_id=element.id,
            retries=retries,
            custom_headers=dict(element.task_headers),
        )
        ei.job_key = job.key
        instance.jobs[job.key] = job
        self.p.index_job(instance, job)
        self.p.journal.job(job, "CREATED", self.p.clock())

    def delete_job(self, instance: ProcessInstance, job: Job) -> None:
        instance.jobs.pop(job.key, None)
        self.p.unindex_job(job)

    # ------------------------------------------------------------------ completion
    def complete(
        self, instance: ProcessInstance, ei: ElementInstance, variables: dict[str, Any] | None
    ) -> None:
        if ei.state in FINISHED or ei.state is ElementState.TERMINATING:
            return
        process = self.process_of(instance)
        element = process.element(ei.element_id)
        is_body = ei.element_type == ElementType.MULTI_INSTANCE_BODY
        ei.state = ElementState.COMPLETING
        scope_vars = self.variables(instance)
        try:
            if variables:
                if element.outputs and not is_body:
                    scope_vars.set_all_local(ei.key, variables)
                else:
                    scope_vars.propagate(ei.key, variables)
            if is_body:
                assert element.multi_instance is not None
                name = element.multi_instance.output_collection
                if name is not None and ei.flow_scope_key is not None:
                    collected = scope_vars.local(ei.key).get(name)
                    scope_vars.propagate(ei.flow_scope_key, {name: collected})
            elif element.outputs and ei.flow_scope_key is not None:
                scope_vars.propagate(ei.flow_scope_key, self._outputs(instance, ei, element))
            if self._is_inner(element, ei):
                self._collect_output_element(instance, ei, element)
                ei.completes_body = self._completion_condition_met(instance, ei, element)
        except ElementFailure as failure:
            self._fail(instance, ei, "complete", failure)
            return
        self._close_owned_events(instance, ei)
        self._finish(instance, ei, ElementState.COMPLETED)
        if ei.element_type == ElementType.SUB_PROCESS:
            instance.finished_scopes[ei.key] = (ei.flow_scope_key or instance.key, ei.element_id)
        if not self._is_inner(element, ei) and not element.is_for_compensation:
            self._subscribe_compensation(instance, ei, element)
        self._after_completion(instance, ei, element)

    def _after_completion(self, instance: ProcessInstance, ei: ElementInstance, element: Element) -> None:
        if ei.element_type == ElementType.PROCESS:
            self._finish_instance(instance, InstanceState.COMPLETED)
            return
        scope = instance.elements[ei.flow_scope_key] if ei.flow_scope_key is not None else None
        assert scope is not None
        if self._is_inner(element, ei):
            self._inner_completed(instance, scope, element, ei.completes_body)
            return
        if ei.compensation_throw_key is not None:
            self._handler_completed(instance, ei)
        elif element.type == ElementType.EXCLUSIVE_GATEWAY:
            assert ei.chosen_flow is not None
            self._take(instance, scope, ei.chosen_flow)
        elif element.type != ElementType.EVENT_BASED_GATEWAY:
            for flow_id in element.outgoing:
                self._take(instance, scope, flow_id)
        self._check_scope(instance, scope)

    def _finish(self, instance: ProcessInstance, ei: ElementInstance, state: ElementState) -> None:
        """Move an element instance to a final state and release it from its scope."""
        ei.state = state
        ei.end_date = self.p.clock()
        self._touch(instance, ei)
        if ei.key != instance.key:
            instance.elements.pop(ei.key, None)
            self.p.element_owner.pop(ei.key, None)
            instance.variables.pop(ei.key, None)
            self.p.lifecycle.element_ended(instance, ei)
        if ei.flow_scope_key is not None:
            scope = instance.elements.get(ei.flow_scope_key)
            if scope is not None:
                scope.active_children -= 1

    def _check_scope(self, instance: ProcessInstance, scope: ElementInstance) -> None:
        """Complete a scope once nothing in it is active or waiting at a join."""
        if scope.state is not ElementState.ACTIVATED or scope.active_children > 0:
            return
        if any(any(tokens.values()) for tokens in scope.waiting_tokens.values()):
            return
        if scope.element_type == ElementType.MULTI_INSTANCE_BODY:
            return
        self._later(lambda: self.complete(instance, scope, None))

    def _take(self, instance: ProcessInstance, scope: ElementInstance, flow_id: str) -> None:
        process = self.process_of(instance)
        flow = process.flow(flow_id)
        instance.taken_flows[flow_id] = instance.taken_flows.get(flow_id, 0) + 1
        target = process.element(flow.target)
        if target.type == ElementType.PARALLEL_GATEWAY and len(target.incoming) > 1:
            tokens = scope.waiting_tokens.setdefault(target.id, {})
            tokens[flow_id] = tokens.get(flow_id, 0) + 1
            if any(tokens.get(incoming, 0) == 0 for incoming in target.incoming):
                self._touch(instance, scope)
                return
            for incoming in target.incoming:
                tokens[incoming] -= 1
            if not any(tokens.values()):
                del scope.waiting_tokens[target.id]
        child = self._create(instance, target, scope)
        self._later(lambda: self.activate(instance, child, None))

    def _terminate_end(self, instance: ProcessInstance, ei: ElementInstance) -> None:
        scope = instance.elements[ei.flow_scope_key] if ei.flow_scope_key is not None else None
        assert scope is not None
        self._finish(instance, ei, ElementState.COMPLETED)
        for sibling in self.children(instance, scope):
            self.terminate(instance, sibling)
        scope.waiting_tokens.clear()
        self._check_scope(instance, scope)

    # ------------------------------------------------------------------ termination
    def terminate(self, instance: ProcessInstance, ei: ElementInstance) -> None:
        if ei.state in FINISHED:
            return
        ei.state = ElementState.TERMINATING
        for child in self.children(instance, ei):
            self.terminate(instance, child)
        self._close_owned_events(instance, ei)
        if ei.incident_key is not None:
            incident = instance.incidents.get(ei.incident_key)
            if incident is not None:
                self.close_incident(instance, incident)
        if ei.job_key is not None:
            job = instance.jobs.get(ei.job_key)
            if job is not None:
                if job.incident_key is not None and job.incident_key in instance.incidents:
                    self.close_incident(instance, instance.incidents[job.incident_key])
                self.delete_job(instance, job)
                self.p.journal.job(job, "CANCELED", self.p.clock())
        ei.waiting_tokens.clear()
        self._finish(instance, ei, ElementState.TERMINATED)

    def _close_owned_events(
        self, instance: ProcessInstance, ei: ElementInstance, targets: frozenset[str] | None = None
    ) -> None:
        """Close the timers and message subscriptions an element instance owns (those of ``targets`` only)."""
        for timer in [
            t
            for t in instance.timers.values()
            if t.element_instance_key == ei.key and (targets is None or t.target_element_id in targets)
        ]:
            del instance.timers[timer.key]
            self.p.timers.pop(timer.key, None)
        for subscription in [
            s
            for s in instance.subscriptions.values()
            if s.element_instance_key == ei.key and (targets is None or s.target_element_id in targets)
        ]:
            del instance.subscriptions[subscription.key]
            self.p.unindex_subscription(subscription)

    # ------------------------------------------------------------------ multi-instance
    def _activate_body(self, instance: ProcessInstance, body: ElementInstance, element: Element) -> None:
        loop = element.multi_instance
        assert loop is not None
        context = self.variables(instance).visible(body.key)
        collection = to_json(
            _evaluate(loop.input_collection, context, IncidentType.EXTRACT_VALUE_ERROR, "input collection")
        )
        if not isinstance(collection, list):
            raise ElementFailure(
                IncidentType.EXTRACT_VALUE_ERROR,
                f"Expected result of the expression '{loop.input_collection.source}' to be 'ARRAY', "
                f"but was '{_json_type(collection)}'.",
            )
        body.multi_instance_items = collection
        variables = self.variables(instance)
        if loop.output_collection is not None:
            variables.set_local(body.key, loop.output_collection, [None] * len(collection))
        body.multi_instance_total = len(collection)
        self._open_boundary_events(instance, body, element)
        self._mark_activated(instance, body)
        if not collection:
            self._later(lambda: self.complete(instance, body, None))
            return
        count = 1 if loop.sequential else len(collection)
        for _ in range(count):
            self._start_inner(instance, body, element)

    def _start_inner(self, instance: ProcessInstance, body: ElementInstance, element: Element) -> None:
        loop = element.multi_instance
        assert loop is not None
        index = body.multi_instance_index
        body.multi_instance_index += 1
        inner = self._create_typed(instance, element, element.type, body)
        inner.multi_instance_index = index + 1
        variables = self.variables(instance)
        if loop.input_element is not None:
            variables.set_local(inner.key, loop.input_element, body.multi_instance_items[index])
        variables.set_local(inner.key, "loopCounter", index + 1)
        if loop.output_element is not None and _IDENTIFIER.fullmatch(loop.output_element.source.strip()):
            # An output element naming a variable makes it local to each inner instance (Zeebe does so).
            variables.set_local(inner.key, loop.output_element.source.strip(), None)
        self._later(lambda: self.activate(instance, inner, None))

    def _collect_output_element(
        self, instance: ProcessInstance, inner: ElementInstance, element: Element
    ) -> None:
        loop = element.multi_instance
        assert loop is not None
        assert inner.flow_scope_key is not None
        if loop.output_collection is None or loop.output_element is None:
            return
        context = self.variables(instance).visible(inner.key)
        value = to_json(
            _evaluate(loop.output_element, context, IncidentType.EXTRACT_VALUE_ERROR, "output element")
        )
        body_vars = instance.variables.setdefault(inner.flow_scope_key, {})
        collected = list(body_vars.get(loop.output_collection) or [])
        collected[inner.multi_instance_index - 1] = value
        self.variables(instance).set_local(inner.flow_scope_key, loop.output_collection, collected)

    def _completion_condition_met(
        self, instance: ProcessInstance, inner: ElementInstance, element: Element
    ) -> bool:
        """Evaluate the completion condition in the completing inner instance's scope, with Zeebe's counters."""
        loop = element.multi_instance
        assert loop is not None
        assert inner.flow_scope_key is not None
        if loop.completion_condition is None:
            return False
        body = instance.elements[inner.flow_scope_key]
        context = self.variables(instance).visible(inner.key)
        active = sum(1 for child in self.children(instance, body) if child.key != inner.key)
        context.update(
            numberOfInstances=body.multi_instance_total,
            numberOfActiveInstances=active,
            numberOfCompletedInstances=body.multi_instance_completed + 1,
            numberOfTerminatedInstances=0,
        )
        source = loop.completion_condition.source
        result = _evaluate(
            loop.completion_condition, context, IncidentType.EXTRACT_VALUE_ERROR, "completion condition"
        )
        if not isinstance(result, bool):
            raise ElementFailure(
                IncidentType.EXTRACT_VALUE_ERROR,
                f"Expected result of the expression '{source}' to be 'BOOLEAN', but was '{_feel_type(result)}'.",
            )
        return result

    def _inner_completed(
        self, instance: ProcessInstance, body: ElementInstance, element: Element, completes_body: bool
    ) -> None:
        loop = element.multi_instance
        assert loop is not None
        body.multi_instance_completed += 1
        if completes_body:
            for child in self.children(instance, body):
                self.terminate(instance, child)
            self._later(lambda: self.complete(instance, body, None))
        elif body.multi_instance_completed >= body.multi_instance_total:
            self._later(lambda: self.complete(instance, body, None))
        elif loop.sequential:
            self._start_inner(instance, body, element)

    # ------------------------------------------------------------------ events: subscriptions
    def _open_boundary_events(self, instance: ProcessInstance, ei: ElementInstance, element: Element) -> None:
        if self._is_inner(element, ei):
            return
        process = self.process_of(instance)
        for boundary_id in element.boundary_events:
            boundary = process.element(boundary_id)
            if boundary.event_type in (EventType.TIMER, EventType.MESSAGE):
                self._open_event(instance, ei, boundary, owner=ei)

    def _open_event_sub_process_starts(
        self, instance: ProcessInstance, scope: ElementInstance, element: Element
    ) -> None:
        process = self.process_of(instance)
        for sub_process_id in element.event_sub_processes:
            start = process.element(process.element(sub_process_id).start_events[0])
            if start.event_type in (EventType.TIMER, EventType.MESSAGE):
                self._open_event(instance, scope, start, owner=scope)

    def _open_event(
        self, instance: ProcessInstance, scope: ElementInstance, event: Element, owner: ElementInstance
    ) -> None:
        """Open the timer or message subscription of ``event``, owned by ``owner``."""
        if event.event_type is EventType.TIMER and event.timer is not None:
            value = self.evaluate(instance, scope.key, event.timer.value, "timer")
            try:
                schedule = next_due(event.timer.kind, value, self.p.clock())
            except ValueError as error:
                raise ElementFailure(IncidentType.EXTRACT_VALUE_ERROR, str(error)) from error
            timer = Timer(
                key=self.p.new_key(),
                process_instance_key=instance.key,
                element_instance_key=owner.key,
                target_element_id=event.id,
                due=schedule.due_timestamp,
                repetitions=schedule.repetitions,
                interval=str(schedule.interval) if schedule.interval is not None else None,
                cron=schedule.cron.source if schedule.cron is not None else None,
            )
            instance.timers[timer.key] = timer
            self.p.index_timer(instance.key, timer)
        elif event.event_type is EventType.MESSAGE and event.message is not None:
            name = self.evaluate(instance, scope.key, event.message.name, "message name")
            correlation = (
                self.evaluate(instance, scope.key, event.message.correlation_key, "correlation key")
                if event.message.correlation_key is not None
                else ""
            )
            if isinstance(correlation, bool) or not isinstance(correlation, str | int | float):
                raise ElementFailure(
                    IncidentType.EXTRACT_VALUE_ERROR,
                    f"Failed to extract the correlation key for '{_source(event.message.correlation_key)}': "
                    f"The value must be either a string or a number, but was {_json_type(correlation)}.",
                )
            subscription = MessageSubscription(
                key=self.p.new_key(),
                process_instance_key=instance.key,
                element_instance_key=owner.key,
                target_element_id=event.id,
                message_name=str(name),
                correlation_key=_correlation_text(correlation),
                interrupting=event.interrupting,
            )
            instance.subscriptions[subscription.key] = subscription
            self.p.index_subscription(subscription)
            self._correlate_buffered(instance, subscription)

    def _correlate_buffered(self, instance: ProcessInstance, subscription: MessageSubscription) -> None:
        """A new subscription takes the first buffered message it matches (first published wins)."""
        now = self.p.clock()
        for message in self.p.buffered(subscription.message_name, subscription.correlation_key):
            if message.deadline <= now or instance.bpmn_process_id in message.correlated_processes:
                continue
            message.correlated_processes.append(instance.bpmn_process_id)
            self.p.journal.message(message.key, message)
            self._later(partial(self.correlate, instance, subscription, message.variables))
            return

    def correlate(
        self, instance: ProcessInstance, subscription: MessageSubscription, variables: dict[str, Any]
    ) -> bool:
        """Deliver a message to a subscription that may have closed in the meantime."""
        if subscription.key not in instance.subscriptions:
            return False
        owner = instance.elements.get(subscription.element_instance_key)
        if owner is None:
            return False
        return self.trigger(instance, owner, subscription.target_element_id, variables)

    # ------------------------------------------------------------------ events: triggers
    def trigger(
        self, instance: ProcessInstance, owner: ElementInstance, target_id: str, variables: dict[str, Any]
    ) -> bool:
        """A timer fired or a message correlated for ``target_id``; returns False when it no longer applies."""
        if owner.state is not ElementState.ACTIVATED:
            return False
        process = self.process_of(instance)
        target = process.element(target_id)
        if owner.element_id == target_id:
            self._close_owned_events(instance, owner)
            self._later(lambda: self.complete(instance, owner, variables))
        elif owner.element_type == ElementType.EVENT_BASED_GATEWAY:
            self._trigger_event_based_gateway(instance, owner, target, variables)
        elif target.type == ElementType.BOUNDARY_EVENT:
            self._trigger_boundary(instance, owner, target, variables)
        elif target.type == ElementType.START_EVENT:
            if owner.interrupted:
                return False
            self._trigger_event_sub_process(instance, owner, target, variables)
        else:
            return False
        self.run()
        return True

    def _trigger_event_based_gateway(
        self, instance: ProcessInstance, gateway: ElementInstance, target: Element, variables: dict[str, Any]
    ) -> None:
        self._close_owned_events(instance, gateway)
        scope = instance.elements[gateway.flow_scope_key] if gateway.flow_scope_key is not None else None
        assert scope is not None
        self._finish(instance, gateway, ElementState.COMPLETED)
        flow_id = next(
            f for f in target.incoming if self.process_of(instance).flow(f).source == gateway.element_id
        )
        instance.taken_flows[flow_id] = instance.taken_flows.get(flow_id, 0) + 1
        event = self._create(instance, target, scope)
        self._later(lambda: self.activate(instance, event, variables))

    def _trigger_boundary(
        self,
        instance: ProcessInstance,
        activity: ElementInstance,
        boundary: Element,
        variables: dict[str, Any],
    ) -> None:
        scope = instance.elements[activity.flow_scope_key] if activity.flow_scope_key is not None else None
        assert scope is not None
        if boundary.interrupting:
            self.terminate(instance, activity)
        event = self._create(instance, boundary, scope)
        self._later(lambda: self.activate(instance, event, variables))

    def _trigger_event_sub_process(
        self, instance: ProcessInstance, scope: ElementInstance, start: Element, variables: dict[str, Any]
    ) -> None:
        process = self.process_of(instance)
        assert start.scope is not None
        sub_process = process.element(start.scope)
        if start.interrupting:
            scope.interrupted = True
            scope_element = process.element(scope.element_id)
            starts = frozenset(process.element(s).start_events[0] for s in scope_element.event_sub_processes)
            self._close_owned_events(instance, scope, starts)
            for child in self.children(instance, scope):
                self.terminate(instance, child)
            scope.waiting_tokens.clear()
        event_sub_process = self._create(instance, sub_process, scope)
        self._later(lambda: self.activate(instance, event_sub_process, variables))

    def timer_fired(self, instance: ProcessInstance, timer: Timer) -> None:
        owner = instance.elements.get(timer.element_instance_key)
        del instance.timers[timer.key]
        self.p.timers.pop(timer.key, None)
        if owner is None:
            return
        target = self.process_of(instance).element(timer.target_element_id)
        following = schedule_of(timer).next(self.p.clock()) if not target.interrupting else None
        if following is not None:
            timer.due = following.due_timestamp
            timer.repetitions = following.repetitions
            instance.timers[timer.key] = timer
            self.p.index_timer(instance.key, timer)
        self.p.journal.instance(instance)
        self.trigger(instance, owner, timer.target_element_id, {})

    # ------------------------------------------------------------------ errors
    def throw_error(
        self,
        instance: ProcessInstance,
        source: ElementInstance,
        code: str,
        message: str,
        variables: dict[str, Any],
        job: Job | None = None,
    ) -> bool:
        """Find the catching event from the inside out; without one, raise UNHANDLED_ERROR_EVENT."""
        process = self.process_of(instance)
        level: ElementInstance | None = source
        while level is not None:
            element = process.element(level.element_id)
            if (
                level.element_type
                in (ElementType.PROCESS, ElementType.SUB_PROCESS, ElementType.EVENT_SUB_PROCESS)
                and not level.interrupted
            ):
                starts = [
                    process.element(process.element(s).start_events[0]) for s in element.event_sub_processes
                ]
                catch = _best_catch([s for s in starts if s.event_type is EventType.ERROR], code)
                if catch is not None:
                    self._trigger_event_sub_process(instance, level, catch, variables)
                    self.run()
                    return True
            if not self._is_inner(element, level):
                boundaries = [process.element(b) for b in element.boundary_events]
                catch = _best_catch([b for b in boundaries if b.event_type is EventType.ERROR], code)
                if catch is not None and level.key != instance.key:
                    self._trigger_boundary(instance, level, catch, variables)
                    self.run()
                    return True
            level = instance.elements.get(level.flow_scope_key) if level.flow_scope_key is not None else None
        reason = (
            f"Expected to throw an error event with the code '{code}' with message '{message}', but it was not "
            "caught. No error events are available in the scope."
        )
        if job is not None:
            job.state = JobState.ERROR_THROWN
            job.error_code = code
            job.error_message = message
            self.p.refresh_job(job)
        self.raise_incident(instance, source, IncidentType.UNHANDLED_ERROR_EVENT, reason, job)
        return False

    # ------------------------------------------------------------------ compensation
    def _subscribe_compensation(
        self, instance: ProcessInstance, ei: ElementInstance, element: Element
    ) -> None:
        process = self.process_of(instance)
        for boundary_id in element.boundary_events:
            boundary = process.element(boundary_id)
            if boundary.event_type is EventType.COMPENSATION and boundary.compensation_handler is not None:
                subscription = CompensationSubscription(
                    key=self.p.new_key(),
                    activity_id=element.id,
                    activity_key=ei.key,
                    scope_key=ei.flow_scope_key or instance.key,
                    handler_id=boundary.compensation_handler,
                    boundary_event_id=boundary.id,
                )
                instance.compensations[subscription.key] = subscription

    def _compensable(
        self, instance: ProcessInstance, scope_key: int, activity_ref: str | None
    ) -> list[CompensationSubscription]:
        found = [
            s
            for s in instance.compensations.values()
            if not s.triggered
            and s.scope_key == scope_key
            and (activity_ref is None or s.activity_id == activity_ref)
        ]
        for sub_scope, (parent, sub_process_id) in instance.finished_scopes.items():
            if parent == scope_key and (activity_ref is None or activity_ref == sub_process_id):
                found.extend(self._compensable(instance, sub_scope, None))
        return found

    def _throw_compensation(
        self, instance: ProcessInstance, throw: ElementInstance, element: Element
    ) -> None:
        process = self.process_of(instance)
        assert throw.flow_scope_key is not None
        scope = instance.elements[throw.flow_scope_key]
        compensated_scope = scope
        if scope.element_type == ElementType.EVENT_SUB_PROCESS and scope.flow_scope_key is not None:
            compensated_scope = instance.elements[scope.flow_scope_key]
        subscriptions = self._compensable(instance, compensated_scope.key, element.compensation_activity_ref)
        for subscription in sorted(subscriptions, key=lambda s: s.key):
            subscription.triggered = True
            boundary = self._create(instance, process.element(subscription.boundary_event_id), scope)
            boundary.compensated_element_key = subscription.activity_key
            self._finish(instance, boundary, ElementState.COMPLETED)
            handler = self._create(instance, process.element(subscription.handler_id), scope)
            handler.compensated_element_id = subscription.activity_id
            handler.compensated_element_key = subscription.activity_key
            handler.compensation_throw_key = throw.key
            throw.pending_compensations.append(handler.key)
            self._later(partial(self.activate, instance, handler, None))
        self.p.journal.instance(instance)
        if not subscriptions:
            self._later(lambda: self.complete(instance, throw, None))

    def _handler_completed(self, instance: ProcessInstance, handler: ElementInstance) -> None:
        assert handler.compensation_throw_key is not None
        throw = instance.elements.get(handler.compensation_throw_key)
        if throw is None:
            return
        if handler.key in throw.pending_compensations:
            throw.pending_compensations.remove(handler.key)
        if not throw.pending_compensations and throw.state is ElementState.ACTIVATED:
            element = self.process_of(instance).element(throw.element_id)
            if element.event_type is EventType.COMPENSATION:
                self._later(lambda: self.complete(instance, throw, None))


def schedule_of(timer: Timer) -> TimerSchedule:
    """The schedule a stored timer follows, to compute its next firing."""
    return TimerSchedule(
        due=datetime.fromtimestamp(timer.due, UTC),
        repetitions=timer.repetitions,
        interval=parse_interval(timer.interval) if timer.interval is not None else None,
        cron=CronExpression.parse(timer.cron) if timer.cron is not None else None,
    )


def _evaluate(expression: Expression, context: Mapping[str, Any], failure: IncidentType, what: str) -> Any:
    """Evaluate FEEL for an element: a failure becomes an incident of type ``failure`` that names ``what``."""
    try:
        return expression.evaluate(context)
    except FeelError as error:
        raise ElementFailure(
            failure, f"Expected to evaluate {what} '{expression.source}', but failed: {error}"
        ) from error


def _best_catch(candidates: list[Element], code: str) -> Element | None:
    """A catch event for the code beats a catch-all in the same scope."""
    specific = next((c for c in candidates if c.error_code is not None and c.error_code == code), None)
    return specific or next((c for c in candidates if c.error_code is None), None)


def _source(value: Value | None) -> str:
    if value is None:
        return ""
    return value.value if isinstance(value, Literal) else value.source


def _correlation_text(value: str | int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_type(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "ARRAY"
    return "OBJECT"


def _feel_type(value: Any) -> str:
    return _json_type(to_json(value))
