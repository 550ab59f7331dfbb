"""Zeebe's ``gateway_protocol.Gateway`` service, served from the stubs pyzeebe ships.

This layer validates requests as Zeebe's gateway does, turns them into engine commands, and maps
rejections to Zeebe's status codes. It holds no state of its own.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, NoReturn, TypeVar

import grpc
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayServicer

from engine.grpc_api.timing import implemented_rpcs, timed
from engine.metrics.latency import CommandLatency
from engine.runtime.engine import ActivatedJob, Engine
from engine.runtime.rejections import Rejection, RejectionType
from engine.runtime.state import InstanceState, ProcessInstance
from engine.service import EngineService

T = TypeVar("T")

TENANT = "<default>"
GATEWAY_VERSION = "8.6.6"
PARTITION_ID = 1
GATEWAY_REQUEST_TIMEOUT_SECONDS = 15.0
"""Zeebe's gateway ``cluster.requestTimeout`` default: what a with-result request waits when it names no timeout."""
DEFAULT_LONG_POLL_SECONDS = 10.0
"""Zeebe's default; pyzeebe's own deadline for ActivateJobs is 20 s, so a poll must end before."""
STREAM_BATCH = 32
STREAM_PAUSE_SECONDS = 0.05

_STATUS = {
    RejectionType.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    RejectionType.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    RejectionType.ALREADY_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    RejectionType.INVALID_STATE: grpc.StatusCode.FAILED_PRECONDITION,
    RejectionType.RESOURCE_EXHAUSTED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    RejectionType.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
}


BACKPRESSURE = (
    f"Failed to write client request to partition '{PARTITION_ID}', because the request limit is exhausted."
)
"""The broker's RESOURCE_EXHAUSTED error (``ErrorResponseWriter.mapWriteError``), which the gateway passes on
for commands sent to one partition. It is a broker error, not a rejection: no "Command ... rejected" prefix."""
RETRIES_EXHAUSTED = (
    "Expected to execute the command on one of the partitions, but all failed; there are no more partitions "
    "available to retry. Please try again. If the error persists contact your zeebe operator"
)
"""``RequestRetriesExhaustedException``: what the gateway answers for the commands it may send to any
partition (CreateProcessInstance and CreateProcessInstanceWithResult) once every partition refused them."""
ACTIVATION_EXHAUSTED = (
    "Expected to activate jobs of type '{type}', but no jobs available and at least one broker returned "
    "'RESOURCE_EXHAUSTED'. Please try again later."
)
"""``LongPollingActivateJobsHandler.ERROR_MSG_ACTIVATED_EXHAUSTED``."""


async def _abort(
    context: grpc.aio.ServicerContext[Any, Any], rejection: Rejection, exhausted: str | None = None
) -> NoReturn:
    """Answer a refused command as Zeebe's gateway does (``GrpcErrorMapper``).

    Rejections read "Command '<INTENT>' rejected with code '<TYPE>': <reason>". RESOURCE_EXHAUSTED and
    UNAVAILABLE are broker errors in Zeebe, not rejections, so only their message is sent; ``exhausted``
    replaces the broker's backpressure message where the gateway words it differently for the RPC.
    """
    if rejection.type is RejectionType.RESOURCE_EXHAUSTED:
        message = exhausted or BACKPRESSURE
    elif rejection.type is RejectionType.UNAVAILABLE:
        message = rejection.reason
    else:
        message = str(rejection)
    await context.abort(_STATUS[rejection.type], message)
    raise AssertionError("abort raises")  # pragma: no cover


async def _invalid(context: grpc.aio.ServicerContext[Any, Any], message: str) -> NoReturn:
    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
    raise AssertionError("abort raises")  # pragma: no cover


def _msgpack_type(value: Any) -> str:
    """The name of Zeebe's ``MsgPackType`` a JSON value converts to."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, float):
        return "FLOAT"
    if isinstance(value, str):
        return "STRING"
    return "ARRAY"


async def _document(
    context: grpc.aio.ServicerContext[Any, Any], text: str, prop: str = "variables"
) -> dict[str, Any]:
    """Parse a JSON variables document as Zeebe's gateway does (``RequestUtil.ensureJsonSet``).

    Blank text and JSON ``null`` mean no variables; anything else must be a JSON object. Zeebe's message
    for text that is not JSON is Jackson's: "Invalid JSON value: <text>" followed by a line with the parse
    location, which is not reproduced here.
    """
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        await _invalid(context, f"Invalid JSON value: {text}")
    if value is None:
        return {}
    if not isinstance(value, dict):
        await _invalid(
            context,
            f"Property '{prop}' is invalid: Expected document to be a root level object, "
            f"but was '{_msgpack_type(value)}'",
        )
    return value


def _expire(result: asyncio.Future[ProcessInstance]) -> None:
    """A with-result request's timeout: its instance has not finished in time."""
    if not result.done():
        result.set_exception(TimeoutError())


def _json_text(value: dict[str, Any]) -> str:
    """``json.dumps(value)``; most documents sent to clients (headers, job variables) are empty."""
    return json.dumps(value) if value else "{}"


def _java_duration(millis: int) -> str:
    """``java.time.Duration.toString()`` of a non-negative number of milliseconds: PT10S, PT0.5S, PT1M30S."""
    if millis <= 0:
        return "PT0S"
    seconds, fraction = divmod(millis, 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if not seconds and not fraction:
        return text
    text += str(seconds)
    if fraction:
        text += "." + f"{fraction:03d}".rstrip("0")
    return text + "S"


class Gateway(GatewayServicer):
    """The RPCs the engine implements; the rest answer UNIMPLEMENTED through the base class.

    Every RPC it implements is timed into ``latency`` under its gRPC method name. Unary RPCs are timed
    whole, from request to answer: for CreateProcessInstanceWithResult that includes waiting for the
    instance to finish, which is what its caller waits for. ActivateJobs and StreamActivatedJobs are
    timed per activation attempt (taking jobs and writing that they are taken), leaving out the time a
    long poll or a stream idles until jobs appear, which measures workload, not the engine.
    """

    def __init__(self, service: EngineService, host: str, port: int, latency: CommandLatency) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.latency = latency
        latency.declare(implemented_rpcs(type(self), GatewayServicer))

    async def _run(
        self,
        context: grpc.aio.ServicerContext[Any, Any],
        apply: Callable[[Engine], T],
        *,
        exempt: bool = False,
        exhausted: str | None = None,
    ) -> T:
        try:
            return await self.service.command(apply, exempt_from_backpressure=exempt)
        except Rejection as rejection:
            await _abort(context, rejection, exhausted)

    # ------------------------------------------------------------------ cluster
    @timed
    async def Topology(self, request: pb.TopologyRequest, context: Any) -> pb.TopologyResponse:
        partition = pb.Partition(partitionId=1, role=pb.Partition.LEADER, health=pb.Partition.HEALTHY)
        broker = pb.BrokerInfo(
            nodeId=0, host=self.host, port=self.port, partitions=[partition], version=GATEWAY_VERSION
        )
        return pb.TopologyResponse(
            brokers=[broker],
            clusterSize=1,
            partitionsCount=1,
            replicationFactor=1,
            gatewayVersion=GATEWAY_VERSION,
        )

    # ------------------------------------------------------------------ deployment
    @timed
    async def DeployResource(
        self, request: pb.DeployResourceRequest, context: Any
    ) -> pb.DeployResourceResponse:
        resources = [(r.name, r.content) for r in request.resources]
        # Like Zeebe, deployments and cancellations are never refused for backpressure.
        deployment = await self._run(context, lambda engine: engine.deploy(resources), exempt=True)
        entries = [
            pb.Deployment(
                process=pb.ProcessMetadata(
                    bpmnProcessId=d.bpmn_process_id,
                    version=d.version,
                    processDefinitionKey=d.key,
                    resourceName=d.resource_name,
                    tenantId=TENANT,
                )
            )
            for d in deployment.processes
        ]
        # Zeebe lists processes, then decisions, then decision requirements graphs.
        entries += [
            pb.Deployment(
                decision=pb.DecisionMetadata(
                    dmnDecisionId=decision.id,
                    dmnDecisionName=decision.name,
                    version=d.version,
                    decisionKey=key,
                    dmnDecisionRequirementsId=d.requirements.id,
                    decisionRequirementsKey=d.key,
                    tenantId=TENANT,
                )
            )
            for d in deployment.decisions
            for decision, key in zip(d.requirements.decisions, d.decision_keys, strict=True)
        ]
        entries += [
            pb.Deployment(
                decisionRequirements=pb.DecisionRequirementsMetadata(
                    dmnDecisionRequirementsId=d.requirements.id,
                    dmnDecisionRequirementsName=d.requirements.name,
                    version=d.version,
                    decisionRequirementsKey=d.key,
                    resourceName=d.resource_name,
                    tenantId=TENANT,
                )
            )
            for d in deployment.decisions
        ]
        return pb.DeployResourceResponse(key=deployment.key, tenantId=TENANT, deployments=entries)

    # ------------------------------------------------------------------ instances
    async def _create(
        self, request: pb.CreateProcessInstanceRequest, context: Any, *, with_result: bool
    ) -> tuple[pb.CreateProcessInstanceResponse, ProcessInstance, asyncio.Future[ProcessInstance] | None]:
        variables = await _document(context, request.variables)
        if request.startInstructions:
            await _invalid(context, "Start instructions are not supported by this engine")
        # Zeebe's ProcessInstanceCreationIntent, which rejections name.
        intent = "CREATE_WITH_AWAITING_RESULT" if with_result else "CREATE"

        def create(engine: Engine) -> tuple[pb.CreateProcessInstanceResponse, ProcessInstance, Any]:
            definition = engine.find_definition(
                request.bpmnProcessId, request.version, request.processDefinitionKey, intent=intent
            )
            instance = engine.create_instance(definition, variables, intent=intent)
            # Registered in the same step as the creation, so a fast instance cannot finish unobserved.
            result = self.service.result_of(instance.key) if with_result else None
            response = pb.CreateProcessInstanceResponse(
                processDefinitionKey=definition.key,
                bpmnProcessId=definition.bpmn_process_id,
                version=definition.version,
                processInstanceKey=instance.key,
                tenantId=TENANT,
            )
            return response, instance, result

        return await self._run(context, create, exhausted=RETRIES_EXHAUSTED)

    @timed
    async def CreateProcessInstance(
        self, request: pb.CreateProcessInstanceRequest, context: Any
    ) -> pb.CreateProcessInstanceResponse:
        response, _, _ = await self._create(request, context, with_result=False)
        return response

    @timed
    async def CreateProcessInstanceWithResult(
        self, request: pb.CreateProcessInstanceWithResultRequest, context: Any
    ) -> pb.CreateProcessInstanceWithResultResponse:
        created, instance, result = await self._create(request.request, context, with_result=True)
        assert result is not None
        if instance.state is InstanceState.ACTIVE:
            timeout_ms = (
                request.requestTimeout
                if request.requestTimeout > 0
                else int(GATEWAY_REQUEST_TIMEOUT_SECONDS * 1000)
            )
            # One timer that fails the future, rather than wait_for(shield(...)) with their extra futures
            # and callbacks: the future is this call's own, so nothing else sees it fail or be cancelled.
            expiry = asyncio.get_running_loop().call_later(timeout_ms / 1000, _expire, result)
            try:
                instance = await result
            except TimeoutError:
                # GrpcErrorMapper's TimeoutException case around the transport's RequestContext.timeout().
                await context.abort(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    "Time out between gateway and broker: Request timed out after "
                    + _java_duration(timeout_ms),
                )
            finally:
                expiry.cancel()
            await self.service.durable()
        variables = instance.variables.get(instance.key, {})
        if request.fetchVariables:
            wanted = set(request.fetchVariables)
            variables = {k: v for k, v in variables.items() if k in wanted}
        return pb.CreateProcessInstanceWithResultResponse(
            processDefinitionKey=created.processDefinitionKey,
            bpmnProcessId=created.bpmnProcessId,
            version=created.version,
            processInstanceKey=created.processInstanceKey,
            variables=_json_text(variables),
            tenantId=TENANT,
        )

    @timed
    async def CancelProcessInstance(
        self, request: pb.CancelProcessInstanceRequest, context: Any
    ) -> pb.CancelProcessInstanceResponse:
        await self._run(
            context, lambda engine: engine.cancel_instance(request.processInstanceKey), exempt=True
        )
        return pb.CancelProcessInstanceResponse()

    @timed
    async def SetVariables(self, request: pb.SetVariablesRequest, context: Any) -> pb.SetVariablesResponse:
        variables = await _document(context, request.variables)
        key = await self._run(
            context, lambda engine: engine.set_variables(request.elementInstanceKey, variables, request.local)
        )
        return pb.SetVariablesResponse(key=key)

    @timed
    async def ResolveIncident(
        self, request: pb.ResolveIncidentRequest, context: Any
    ) -> pb.ResolveIncidentResponse:
        await self._run(context, lambda engine: engine.resolve_incident(request.incidentKey))
        return pb.ResolveIncidentResponse()

    # ------------------------------------------------------------------ messages and signals
    @timed
    async def PublishMessage(
        self, request: pb.PublishMessageRequest, context: Any
    ) -> pb.PublishMessageResponse:
        variables = await _document(context, request.variables)
        key = await self._run(
            context,
            lambda engine: engine.publish_message(
                request.name, request.correlationKey, max(request.timeToLive, 0), request.messageId, variables
            ),
        )
        return pb.PublishMessageResponse(key=key, tenantId=TENANT)

    @timed
    async def BroadcastSignal(
        self, request: pb.BroadcastSignalRequest, context: Any
    ) -> pb.BroadcastSignalResponse:
        await _document(context, request.variables)
        key = await self._run(context, lambda engine: engine.broadcast_signal(request.signalName))
        return pb.BroadcastSignalResponse(key=key, tenantId=TENANT)

    # ------------------------------------------------------------------ jobs
    async def _validate_activation(
        self, context: Any, job_type: str, worker: str, timeout: int, max_jobs: int
    ) -> None:
        """ActivateJobs: Zeebe's gateway passes the request on, and the broker's JobBatchActivateProcessor
        rejects it, in this order, with "Expected to activate job batch with <field> to be <expectation>,
        but it was <actual>". Stricter than Zeebe 8.6, which never sends maxJobsToActivate < 1 to a broker
        (it answers no jobs), accepts a type of only whitespace, and no longer checks the worker; the worker
        reason is the one older Zeebe brokers gave."""
        reason = None
        if max_jobs < 1:
            reason = f"max jobs to activate to be greater than zero, but it was '{max_jobs}'"
        elif timeout < 1:
            reason = f"timeout to be greater than zero, but it was '{timeout}'"
        elif not job_type.strip():
            reason = "type to be present, but it was blank"
        elif not worker.strip():
            reason = "worker to be present, but it was blank"
        if reason is not None:
            rejection = Rejection(
                "ACTIVATE", RejectionType.INVALID_ARGUMENT, f"Expected to activate job batch with {reason}"
            )
            await _abort(context, rejection)

    async def _validate_stream(self, context: Any, job_type: str, worker: str, timeout: int) -> None:
        """StreamActivatedJobs: the gateway's own checks (``StreamJobsHandler``), plain INVALID_ARGUMENT.
        Zeebe does not check the worker; this engine does, in the same words."""
        reason = None
        if not job_type.strip():
            reason = "type to be present, but it was blank"
        elif timeout < 1:
            reason = f"timeout to be greater than zero, but it was {timeout}"
        elif not worker.strip():
            reason = "worker to be present, but it was blank"
        if reason is not None:
            await _invalid(context, f"Expected to stream activated jobs with {reason}")

    def _activated(self, activated: ActivatedJob) -> pb.ActivatedJob:
        job, instance = activated.job, activated.instance
        return pb.ActivatedJob(
            key=job.key,
            type=job.type,
            processInstanceKey=instance.key,
            bpmnProcessId=instance.bpmn_process_id,
            processDefinitionVersion=instance.version,
            processDefinitionKey=instance.definition_key,
            elementId=job.element_id,
            elementInstanceKey=job.element_instance_key,
            customHeaders=_json_text(job.custom_headers),
            worker=job.worker,
            retries=job.retries,
            deadline=int(job.deadline * 1000),
            variables=_json_text(activated.variables),
            tenantId=TENANT,
        )

    async def ActivateJobs(
        self, request: pb.ActivateJobsRequest, context: Any
    ) -> AsyncIterator[pb.ActivateJobsResponse]:
        await self._validate_activation(
            context, request.type, request.worker, request.timeout, request.maxJobsToActivate
        )
        if request.requestTimeout < 0:
            deadline = time.monotonic()
        elif request.requestTimeout == 0:
            deadline = time.monotonic() + DEFAULT_LONG_POLL_SECONDS
        else:
            deadline = time.monotonic() + request.requestTimeout / 1000
        fetch = list(request.fetchVariable)
        while True:
            started = time.perf_counter()
            try:
                jobs = await self._run(
                    context,
                    lambda engine: engine.activate_jobs(
                        request.type, request.worker, request.timeout, request.maxJobsToActivate, fetch
                    ),
                    exhausted=ACTIVATION_EXHAUSTED.format(type=request.type),
                )
            finally:
                self.latency.observe("ActivateJobs", time.perf_counter() - started)
            if jobs:
                yield pb.ActivateJobsResponse(jobs=[self._activated(j) for j in jobs])
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                yield pb.ActivateJobsResponse(jobs=[])
                return
            await self.service.wait_for_jobs(request.type, remaining)

    async def StreamActivatedJobs(
        self, request: pb.StreamActivatedJobsRequest, context: Any
    ) -> AsyncIterator[pb.ActivatedJob]:
        await self._validate_stream(context, request.type, request.worker, request.timeout)
        fetch = list(request.fetchVariable)
        while True:
            if self.service.overloaded():  # Zeebe's job streams pause under backpressure instead of failing
                await asyncio.sleep(STREAM_PAUSE_SECONDS)
                continue
            with self.latency.measure("StreamActivatedJobs"):
                jobs = await self._run(
                    context,
                    lambda engine: engine.activate_jobs(
                        request.type, request.worker, request.timeout, STREAM_BATCH, fetch
                    ),
                )
            for job in jobs:
                yield self._activated(job)
            if not jobs:
                await self.service.wait_for_jobs(request.type, DEFAULT_LONG_POLL_SECONDS)

    @timed
    async def CompleteJob(self, request: pb.CompleteJobRequest, context: Any) -> pb.CompleteJobResponse:
        variables = await _document(context, request.variables)
        await self._run(context, lambda engine: engine.complete_job(request.jobKey, variables), exempt=True)
        return pb.CompleteJobResponse()

    @timed
    async def FailJob(self, request: pb.FailJobRequest, context: Any) -> pb.FailJobResponse:
        variables = await _document(context, request.variables)
        await self._run(
            context,
            lambda engine: engine.fail_job(
                request.jobKey, request.retries, request.errorMessage, request.retryBackOff, variables
            ),
            exempt=True,
        )
        return pb.FailJobResponse()

    @timed
    async def ThrowError(self, request: pb.ThrowErrorRequest, context: Any) -> pb.ThrowErrorResponse:
        variables = await _document(context, request.variables)
        await self._run(
            context,
            lambda engine: engine.throw_error(
                request.jobKey, request.errorCode, request.errorMessage, variables
            ),
        )
        return pb.ThrowErrorResponse()

    @timed
    async def UpdateJobRetries(
        self, request: pb.UpdateJobRetriesRequest, context: Any
    ) -> pb.UpdateJobRetriesResponse:
        await self._run(context, lambda engine: engine.update_job_retries(request.jobKey, request.retries))
        return pb.UpdateJobRetriesResponse()

    @timed
    async def UpdateJobTimeout(
        self, request: pb.UpdateJobTimeoutRequest, context: Any
    ) -> pb.UpdateJobTimeoutResponse:
        await self._run(context, lambda engine: engine.update_job_timeout(request.jobKey, request.timeout))
        return pb.UpdateJobTimeoutResponse()
