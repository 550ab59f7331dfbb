"""Settings every contract test needs before pact-python's Rust core runs.

``PACT_DO_NOT_TRACK``: without it the verifier looks up www.google-analytics.com to send usage
metrics. Set at import, before any test of this folder creates a pact or a verifier; CI and the
tests stay offline.
"""

import os

os.environ["PACT_DO_NOT_TRACK"] = "true"
