"""The commands of Zeebe's gateway protocol, applied to the partition.

Each public method is one command: it either raises ``Rejection`` having changed nothing, or applies
all its effects (recorded in the partition's journal) and returns the response's data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from engine.bpmn.errors import BpmnValidationError
from engine.bpmn.model import EventType, Literal, Process
from engine.bpmn.parser import parse_resource
from engine.dmn import DecisionRequirements, DmnError, parse_dmn
from engine.feel import to_json
from engine.runtime.definitions import DeployedDecisions, DeployedProcess
from engine.runtime.execution import Execution, schedule_of
from engine.runtime.partition import Partition
from engine.runtime.rejections import Rejection, RejectionType
from engine.runtime.state import (
    BufferedMessage,
    Incident,
    IncidentType,
    Job,
    JobState,
    ProcessInstance,
    Timer,
)
from engine.runtime.variables import Variables
from engine.timers import next_due

NOT_FOUND = RejectionType.NOT_FOUND
INVALID_STATE = RejectionType.INVALID_STATE
INVALID_ARGUMENT = RejectionType.INVALID_ARGUMENT


@dataclass(frozen=True, slots=True)
class ActivatedJob:
    job: Job
    instance: ProcessInstance
    variables: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Deployment:
    key: int
    processes: list[DeployedProcess]
    decisions: list[DeployedDecisions]


class Engine:
    """Zeebe's commands over one partition's state."""

    def __init__(self, partition: Partition) -> None:
        self.p = partition
        self.execution = Execution(partition)

    # ------------------------------------------------------------------ deployment
    def deploy(self, resources: list[tuple[str, bytes]]) -> Deployment:
        """Deploy BPMN and DMN resources all or nothing; unchanged resources keep their version."""
        if not resources:
            raise Rejection(
                "CREATE", INVALID_ARGUMENT, "Expected to deploy at least one resource, but none given"
            )
        diagrams: list[tuple[str, bytes, list[Process]]] = []
        tables: list[tuple[str, bytes, DecisionRequirements]] = []
        problems: list[str] = []
        for name, content in resources:
            try:
                if name.endswith(".dmn"):
                    tables.append((name, content, parse_dmn(name, content)))
                elif name.endswith((".bpmn", ".xml")):
                    diagrams.append((name, content, parse_resource(name, content)))
                elif name.endswith(".form"):
                    problems.append(
                        f"'{name}': Expected a resource of type BPMN ('.bpmn', '.xml') or DMN ('.dmn'); "
                        "forms are not supported by this engine"
                    )
                else:
                    # Zeebe's DeploymentTransformer: "\n" + "%n'<name>': unknown resource type".
                    problems.append(f"\n'{name}': unknown resource type")
            except BpmnValidationError as error:
                problems.append(str(error).removeprefix(_DEPLOY_ERRORS))
            except DmnError as error:
                problems.append(str(error))
        if problems:
            raise Rejection("CREATE", INVALID_ARGUMENT, _DEPLOY_ERRORS + "\n".join(problems))
        deployment = Deployment(self.p.new_key(), [], [])
        for name, content, processes in diagrams:
            for process in processes:
                deployment.processes.append(self._deploy_process(deployment.key, name, content, process))
        for name, content, requirements in tables:
            deployment.decisions.append(self._deploy_decisions(deployment.key, name, content, requirements))
        return deployment

    def _deploy_process(
        self, deployment_key: int, name: str, content: bytes, process: Process
    ) -> DeployedProcess:
        checksum = hashlib.sha256(content).hexdigest()
        latest = self.p.definitions.latest(process.id)
        if latest is not None and latest.checksum == checksum:
            return latest
        definition = DeployedProcess(
            key=self.p.new_key(),
            bpmn_process_id=process.id,
            version=latest.version + 1 if latest else 1,
            resource_name=name,
            checksum=checksum,
            resource=content,
            process=process,
            deployment_key=deployment_key,
            deployed_at=self.p.clock(),
        )
        self.p.definitions.add(definition)
        self.p.journal.definitions.append(definition)
        self._schedule_start_timers(definition, latest)
        return definition

    def _schedule_start_timers(self, definition: DeployedProcess, previous: DeployedProcess | None) -> None:
        """Timer start events belong to the latest version: a new version replaces the old one's timers."""
        if previous is not None:
            for key, timer in list(self.p.start_timers.items()):
                if timer.element_instance_key == previous.key:
                    del self.p.start_timers[key]
                    self.p.journal.start_timers_changed = True
        process = definition.process
        for start_id in process.root.start_events:
            start = process.element(start_id)
            if start.event_type is not EventType.TIMER or start.timer is None:
                continue
            value = start.timer.value
            resolved = value.value if isinstance(value, Literal) else to_json(value.evaluate({}))
            schedule = next_due(start.timer.kind, resolved, self.p.clock())
            timer = Timer(
                key=self.p.new_key(),
                process_instance_key=0,
                element_instance_key=definition.key,
                target_element_id=start.id,
                due=schedule.due_timestamp,
                repetitions=schedule.repetitions,
                interval=str(schedule.interval) if schedule.interval is not None else None,
                cron=schedule.cron.source if schedule.cron is not None else None,
            )
            self.p.start_timers[timer.key] = timer
            self.p.schedule(timer.due, timer.key)
            self.p.journal.start_timers_changed = True

    def _deploy_decisions(
        self, deployment_key: int, name: str, content: bytes, requirements: DecisionRequirements
    ) -> DeployedDecisions:
        checksum = hashlib.sha256(content).hexdigest()
        latest = self.p.decisions.latest(requirements.id)
        if latest is not None and latest.checksum == checksum:
            return latest
        deployed = DeployedDecisions(
            key=self.p.new_key(),
            version=latest.version + 1 if latest else 1,
            resource_name=name,
            checksum=checksum,
            resource=content,
            requirements=requirements,
            decision_keys=tuple(self.p.new_key() for _ in requirements.decisions),
            deployment_key=deployment_key,
            deployed_at=self.p.clock(),
        )
        self.p.decisions.add(deployed)
        self.p.journal.decisions.append(deployed)
        return deployed

    # ------------------------------------------------------------------ instances
    def find_definition(
        self, bpmn_process_id: str, version: int, key: int, *, intent: str = "CREATE"
    ) -> DeployedProcess:
        """``intent`` is Zeebe's: ``CREATE``, or ``CREATE_WITH_AWAITING_RESULT`` for the with-result RPC."""
        if bpmn_process_id:  # Zeebe prefers the process id; a version >= 0 asks for exactly that version
            if version >= 0:
                found = self.p.definitions.version(bpmn_process_id, version)
                if found is None:
                    raise Rejection(
                        intent,
                        NOT_FOUND,
                        f"Expected to find process definition with process ID '{bpmn_process_id}' and version "
                        f"'{version}', but none found",
                    )
                return found
            latest = self.p.definitions.latest(bpmn_process_id)
            if latest is None:
                raise Rejection(
                    intent,
                    NOT_FOUND,
                    f"Expected to find process definition with process ID '{bpmn_process_id}', but none found",
                )
            return latest
        if key > 0:
            by_key = self.p.definitions.by_key(key)
            if by_key is None:
                raise Rejection(
                    intent, NOT_FOUND, f"Expected to find process definition with key '{key}', but none found"
                )
            return by_key
        raise Rejection(
            intent,
            INVALID_ARGUMENT,
            "Expected at least a bpmnProcessId or a key greater than -1, but none given",
        )

    def create_instance(
        self, definition: DeployedProcess, variables: dict[str, Any], *, intent: str = "CREATE"
    ) -> ProcessInstance:
        if definition.process.root.none_start_event is None:
            raise Rejection(
                intent,
                INVALID_STATE,
                "Expected to create instance of process with none start event, but there is no such event",
            )
        return self.execution.start_instance(definition, variables)

    def cancel_instance(self, key: int) -> None:
        instance = self.p.instances.get(key)
        if instance is None:
            raise Rejection(
                "CANCEL",
                NOT_FOUND,
                f"Expected to cancel a process instance with key '{key}', but no such process was found",
            )
        self.execution.cancel(instance)

    def set_variables(self, element_key: int, variables: dict[str, Any], local: bool) -> int:
        instance_key = self.p.element_owner.get(element_key)
        instance = self.p.instances.get(instance_key) if instance_key is not None else None
        if instance is None or element_key not in instance.elements:
            raise Rejection(
                "UPDATE",
                NOT_FOUND,
                f"Expected to update variables for element with key '{element_key}', but no such element was found",
            )
        scope = self.execution.variables(instance)
        if local:
            scope.set_all_local(element_key, variables)
        else:
            scope.propagate(element_key, variables)
        return self.p.new_key()

    def broadcast_signal(self, name: str) -> int:
        """Signals are acknowledged; no diagram of ours catches one yet, so nothing else happens."""
        return self.p.new_key()

    # ------------------------------------------------------------------ jobs
    def activate_jobs(
        self, job_type: str, worker: str, timeout_ms: int, max_jobs: int, fetch: list[str]
    ) -> list[ActivatedJob]:
        queue = self.p.activatable.get(job_type)
        if not queue:
            return []
        now = self.p.clock()
        activated: list[ActivatedJob] = []
        for job_key in list(queue)[:max_jobs]:
            found = self.p.job(job_key)
            if found is None:
                queue.pop(job_key, None)
                continue
            instance, job = found
            job.state = JobState.ACTIVATED
            job.worker = worker
            job.deadline = now + timeout_ms / 1000
            self.p.refresh_job(job)
            self.p.journal.instance(instance)
            self.p.journal.job(job, "ACTIVATED", now)
            scope = Variables(instance, _ignore_write)
            variables = (
                scope.fetch(job.element_instance_key, fetch)
                if fetch
                else scope.visible(job.element_instance_key)
            )
            activated.append(ActivatedJob(job, instance, variables))
        return activated

    def _job(
        self, key: int, intent: str, verb: str, states: tuple[JobState, ...]
    ) -> tuple[ProcessInstance, Job]:
        found = self.p.job(key)
        if found is None:
            raise Rejection(
                intent, NOT_FOUND, f"Expected to {verb} job with key '{key}', but no such job was found"
            )
        if found[1].state not in states:
            raise Rejection(
                intent,
                INVALID_STATE,
                f"Expected to {verb} job with key '{key}', but it is in state '{found[1].state}'",
            )
        return found

    def complete_job(self, key: int, variables: dict[str, Any]) -> None:
        instance, job = self._job(key, "COMPLETE", "complete", _OPEN_JOB)
        element = instance.elements[job.element_instance_key]
        self.execution.delete_job(instance, job)
        self.p.journal.job(job, "COMPLETED", self.p.clock())
        element.job_key = None
        self.execution.complete(instance, element, variables)
        self.execution.run()

    def fail_job(
        self, key: int, retries: int, message: str, backoff_ms: int, variables: dict[str, Any]
    ) -> None:
        instance, job = self._job(key, "FAIL", "fail", _OPEN_JOB)
        job.retries = retries
        job.error_message = message
        self.p.journal.job(job, "FAILED", self.p.clock(), message)
        job.worker = ""
        if variables:
            self.execution.variables(instance).set_all_local(job.element_instance_key, variables)
        if retries > 0 and backoff_ms > 0:
            job.state = JobState.FAILED
            job.recur_at = self.p.clock() + backoff_ms / 1000
        elif retries > 0:
            job.state = JobState.ACTIVATABLE
        else:
            job.state = JobState.FAILED
            job.recur_at = None
            element = instance.elements[job.element_instance_key]
            self.execution.raise_incident(
                instance, element, IncidentType.JOB_NO_RETRIES, message or "No more retries left.", job
            )
        self.p.refresh_job(job)
        self.p.journal.instance(instance)

    def throw_error(self, key: int, code: str, message: str, variables: dict[str, Any]) -> None:
        instance, job = self._job(key, "THROW_ERROR", "throw an error for", _OPEN_JOB)
        element = instance.elements[job.element_instance_key]
        self.p.journal.job(job, "ERROR_THROWN", self.p.clock(), f"{code}: {message}" if message else code)
        self.execution.throw_error(instance, element, code, message, variables, job)
        self.p.journal.instance(instance)

    def update_job_retries(self, key: int, retries: int) -> None:
        found = self.p.job(key)
        if found is None:
            raise Rejection("UPDATE_RETRIES", NOT_FOUND, _NO_JOB_TO_UPDATE.format(key=key))
        if retries < 1:
            raise Rejection(
                "UPDATE_RETRIES",
                INVALID_ARGUMENT,
                f"Expected to update retries for job with key '{key}' with a positive amount of retries, "
                f"but the amount given was '{retries}'",
            )
        instance, job = found
        job.retries = retries
        self.p.journal.instance(instance)
        self.p.journal.job(job, "RETRIES_UPDATED", self.p.clock())

    def update_job_timeout(self, key: int, timeout_ms: int) -> None:
        found = self.p.job(key)
        if found is None:
            raise Rejection("UPDATE_TIMEOUT", NOT_FOUND, _NO_JOB_TO_UPDATE.format(key=key))
        instance, job = found
        if job.state is not JobState.ACTIVATED:
            raise Rejection(
                "UPDATE_TIMEOUT",
                INVALID_STATE,
                f"Expected to update the timeout of job with key '{key}', but it is not active",
            )
        job.deadline = self.p.clock() + timeout_ms / 1000
        self.p.refresh_job(job)
        self.p.journal.instance(instance)

    # ------------------------------------------------------------------ incidents
    def _incident_to_resolve(self, key: int) -> tuple[ProcessInstance, Incident]:
        found = self.p.incident(key)
        if found is None:
            raise Rejection(
                "RESOLVE",
                NOT_FOUND,
                f"Expected to resolve incident with key '{key}', but no such incident was found",
            )
        return found

    def resolve_incident(self, key: int) -> None:
        instance, incident = self._incident_to_resolve(key)
        if incident.job_key is not None:
            stuck = instance.jobs.get(incident.job_key)
            if stuck is not None and stuck.retries <= 0:
                raise Rejection(
                    "RESOLVE",
                    INVALID_STATE,
                    f"Expected to resolve incident with key '{key}', but job with key '{stuck.key}' has no "
                    "retries left. Please update the job retries and retry resolving the incident",
                )
        self.execution.close_incident(instance, incident)
        element = instance.elements.get(incident.element_instance_key)
        if incident.job_key is not None:
            job = instance.jobs.get(incident.job_key)
            if job is None or element is None:
                return
            job.incident_key = None
            job.state = JobState.ACTIVATABLE
            job.recur_at = None
            self.p.refresh_job(job)
            self.p.journal.instance(instance)
        elif element is not None:
            self.execution.retry_failed_step(instance, element)

    def retry_incident(self, key: int, retries: int = 1) -> None:
        """Operate's "retry": give the incident's job ``retries`` if it has none left, then resolve it.

        One command, so a rejected resolution leaves the job's retries as they were.
        """
        instance, incident = self._incident_to_resolve(key)
        stuck = instance.jobs.get(incident.job_key) if incident.job_key is not None else None
        if stuck is not None and stuck.retries <= 0:
            self.update_job_retries(stuck.key, retries)
        self.resolve_incident(key)

    # ------------------------------------------------------------------ messages
    def publish_message(
        self, name: str, correlation_key: str, ttl_ms: int, message_id: str, variables: dict[str, Any]
    ) -> int:
        if message_id:
            for buffered in self.p.buffered(name, correlation_key):
                if buffered.message_id == message_id:
                    raise Rejection(
                        "PUBLISH",
                        RejectionType.ALREADY_EXISTS,
                        f"Expected to publish a new message with id '{message_id}', but a message with that id "
                        "was already published",
                    )
        now = self.p.clock()
        message = BufferedMessage(
            key=self.p.new_key(),
            name=name,
            correlation_key=correlation_key,
            variables=variables,
            deadline=now + ttl_ms / 1000,
            message_id=message_id,
        )
        self._correlate_subscriptions(message)
        self._start_by_message(message)
        if ttl_ms > 0:
            self.p.buffer_message(message)
            self.p.schedule(message.deadline, message.key)
            self.p.journal.message(message.key, message)
        return message.key

    def _correlate_subscriptions(self, message: BufferedMessage) -> None:
        entries = self.p.subscriptions.get((message.name, message.correlation_key))
        if not entries:
            return
        for subscription_key, instance_key in list(entries.items()):
            instance = self.p.instances.get(instance_key)
            if instance is None or instance.bpmn_process_id in message.correlated_processes:
                continue
            subscription = instance.subscriptions.get(subscription_key)
            if subscription is None:
                continue
            if self.execution.correlate(instance, subscription, message.variables):
                message.correlated_processes.append(instance.bpmn_process_id)
                self.p.journal.instance(instance)

    def _start_by_message(self, message: BufferedMessage) -> None:
        for definition in self.p.definitions.latest_versions():
            if definition.bpmn_process_id in message.correlated_processes:
                continue
            root = definition.process.root
            for start_id in root.start_events:
                start = definition.process.element(start_id)
                if (
                    start.event_type is EventType.MESSAGE
                    and start.message is not None
                    and isinstance(start.message.name, Literal)
                    and start.message.name.value == message.name
                    and not self._has_active_instance_for(definition.bpmn_process_id, message.correlation_key)
                ):
                    instance = self.execution.start_instance(
                        definition, {}, start_id, dict(message.variables)
                    )
                    instance.start_correlation_key = message.correlation_key
                    message.correlated_processes.append(definition.bpmn_process_id)
                    break

    def _has_active_instance_for(self, bpmn_process_id: str, correlation_key: str) -> bool:
        """Zeebe starts at most one instance per process and non-empty correlation key at a time."""
        if not correlation_key:
            return False
        return any(
            i.bpmn_process_id == bpmn_process_id and i.start_correlation_key == correlation_key
            for i in self.p.instances.values()
        )

    # ------------------------------------------------------------------ time
    def tick(self) -> None:
        """Fire what is due: timers, job deadlines and back-offs, message expiries."""
        now = self.p.clock()
        for key in self.p.pop_due(now):
            start_timer = self.p.start_timers.get(key)
            if start_timer is not None:
                if start_timer.due <= now:
                    self._start_by_timer(start_timer, now)
                continue
            timer_owner = self.p.timers.get(key)
            if timer_owner is not None:
                instance = self.p.instances.get(timer_owner)
                timer = instance.timers.get(key) if instance else None
                if instance is not None and timer is not None and timer.due <= now:
                    self.execution.timer_fired(instance, timer)
                continue
            found = self.p.job(key)
            if found is not None:
                self._job_due(found[0], found[1], now)
                continue
            message = self.p.messages.get(key)
            if message is not None and message.deadline <= now:
                self.p.unbuffer_message(message)
                self.p.journal.message(message.key, None)

    def _start_by_timer(self, timer: Timer, now: float) -> None:
        definition = self.p.definitions.by_key(timer.element_instance_key)
        following = schedule_of(timer).next(now)
        if following is None:
            del self.p.start_timers[timer.key]
        else:
            timer.due = following.due_timestamp
            timer.repetitions = following.repetitions
            self.p.schedule(timer.due, timer.key)
        self.p.journal.start_timers_changed = True
        if definition is not None:
            self.execution.start_instance(definition, {}, timer.target_element_id, {})

    def _job_due(self, instance: ProcessInstance, job: Job, now: float) -> None:
        if job.state is JobState.ACTIVATED and job.deadline <= now:
            self.p.journal.job(job, "TIMED_OUT", now)
            job.state = JobState.ACTIVATABLE
            job.worker = ""
        elif job.state is JobState.FAILED and job.recur_at is not None and job.recur_at <= now:
            job.state = JobState.ACTIVATABLE
            job.recur_at = None
            self.p.journal.job(job, "RECURRED_AFTER_BACKOFF", now)
        else:
            return
        self.p.refresh_job(job)
        self.p.journal.instance(instance)


_OPEN_JOB = (JobState.ACTIVATABLE, JobState.ACTIVATED)
_DEPLOY_ERRORS = "Expected to deploy new resources, but encountered the following errors:\n"
_NO_JOB_TO_UPDATE = "Expected to update job with key '{key}', but no such job was found"
"""Zeebe 8.6's ``JobUpdateBehaviour``: one not-found reason for UPDATE_RETRIES and UPDATE_TIMEOUT."""


def _ignore_write(scope: int, name: str, value: Any) -> None:
    """Reading job variables writes nothing."""
