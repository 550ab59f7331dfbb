"""The monitor: an Operate-like web view of the local engine, served by the read API at ``/monitor``.

Static HTML, CSS and vanilla JavaScript (``static/``) over the read API's Operate endpoints and the few
JSON endpoints of :mod:`engine.monitor.routes`. The diagram viewer (bpmn-js) is not checked in: ``make
monitor-assets`` copies it from ``node_modules`` into ``static/vendor/``; without it the pages still work
and the instance page says how to build it. Nothing here needs node at run time.
"""
