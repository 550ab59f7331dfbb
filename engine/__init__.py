"""Local Zeebe-compatible engine: Zeebe's gateway gRPC protocol and BPMN semantics, in Python.

It knows nothing of commerce; it is the embedded default for local runs and CI, replaced by a real
Camunda 8 cluster when ``ZEEBE_ADDRESS`` points at one.
"""
