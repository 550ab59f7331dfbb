"""Prometheus metrics of one engine, kept in a registry of its own so that engines embedded side by side
(tests start one per test) never share or clash over series.

``state`` reads what is true now from the partition at scrape time, ``latency`` times the gRPC
commands, ``registry`` puts both in one registry and ``endpoint`` serves it on the HTTP port.
"""
