"""The HTTP gateway (FastAPI) where API clients start checkouts and follow them.

A checkout is recorded in the gateway's own database first and then started as a Zeebe process
instance of ``checkout`` (bpmn/checkout.bpmn); its progress is read back from Operate's REST API (the
local engine serves the same API). Layers, as in the services:

* ``domain`` - the checkout, its statuses and how they follow from the process instance, the element
  table of the diagram, API keys and list cursors (plain Python);
* ``adapters`` - the database tables and repository, the Zeebe client that starts instances and the
  Operate client that reads them;
* ``service_layer`` - the use cases: start, recover, read, wait, list;
* ``entrypoints`` - the FastAPI app, its routes, request schemas and API-key authentication.
"""
