"""Set up tracing from the standard OpenTelemetry environment variables, once per process.

Nothing is exported unless ``OTEL_TRACES_EXPORTER`` names an exporter (``otlp``: OTLP over HTTP with
protobuf, configured by ``OTEL_EXPORTER_OTLP_*``; ``console``: spans printed to stdout), so ``make run``
traces nothing by default and pays nothing for it: without a configured provider every span is the
API's no-op. ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER`` and
``OTEL_BSP_*`` work as the specification says, because the SDK reads them itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

SUPPORTED_PROTOCOL = "http/protobuf"


def tracing_enabled() -> bool:
    """Whether :func:`configure_tracing` installed a provider that records spans."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


class TracingConfigError(ValueError):
    """An ``OTEL_*`` variable asks for something this project does not ship."""


def _exporter(name: str) -> SpanExporter:
    if name == "otlp":
        protocol = os.environ.get(
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", SUPPORTED_PROTOCOL),
        )
        if protocol != SUPPORTED_PROTOCOL:
            raise TracingConfigError(
                f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: only {SUPPORTED_PROTOCOL} is installed"
            )
        # Imported only when used: the exporter's HTTP stack is most of what tracing adds to start-up.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    if name == "console":
        return ConsoleSpanExporter()
    raise TracingConfigError(f"OTEL_TRACES_EXPORTER={name!r}: use otlp, console or none")


def configure_tracing(default_service_name: str) -> Callable[[], None]:
    """Install the SDK's tracer provider if the environment asks for an exporter; the function that
    flushes and shuts it down (call it when the process stops, or spans still buffered are lost).
    A second call (a relay started inside its service's process) keeps the first provider."""
    names = [n.strip() for n in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",") if n.strip()]
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    if tracing_enabled() or disabled or not names or names == ["none"]:
        return lambda: None
    exporters = [_exporter(name) for name in names if name != "none"]
    # Attributes given here lose to OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: default_service_name}))
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider.shutdown
