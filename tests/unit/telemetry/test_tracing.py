"""Tracing is set up from the standard OTEL_* variables, and nothing is exported unless they ask."""

from __future__ import annotations

import pytest

from telemetry.tracing import TracingConfigError, configure_tracing, tracing_enabled


def test_without_an_exporter_nothing_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)

    configure_tracing("cart")()

    assert not tracing_enabled()


def test_the_sdk_can_be_disabled_whatever_the_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")

    configure_tracing("cart")()

    assert not tracing_enabled()


def test_an_exporter_this_project_does_not_ship_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin")

    with pytest.raises(TracingConfigError, match="OTEL_TRACES_EXPORTER='zipkin'"):
        configure_tracing("cart")
    assert not tracing_enabled()


def test_otlp_over_grpc_is_refused_as_only_http_protobuf_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")

    with pytest.raises(TracingConfigError, match="http/protobuf"):
        configure_tracing("cart")
    assert not tracing_enabled()
