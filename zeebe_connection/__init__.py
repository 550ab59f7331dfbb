"""How every component reaches Zeebe: the local engine by default, a real cluster by environment alone.

Workers, the gateway and the CLI open their gRPC channel here, so switching the whole stack from the
embedded engine to Camunda 8 (self-managed with OAuth, or SaaS) is a matter of environment variables.
"""

from zeebe_connection.channel import open_channel
from zeebe_connection.settings import ZeebeSettings

__all__ = ["ZeebeSettings", "open_channel"]
