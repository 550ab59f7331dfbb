"""Job workers (pyzeebe) that execute the checkout diagram's tasks by calling the services over HTTP.

Workers never import services or the engine; they reach services only through their HTTP APIs.
"""
