"""The ``checkout-saga`` command: run the whole stack on one machine, demo it, deploy the diagrams.

It composes the other packages only as processes and over their public protocols (HTTP, Zeebe gRPC),
never by importing their internals.
"""
