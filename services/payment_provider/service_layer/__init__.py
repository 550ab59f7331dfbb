"""The provider's use cases: capture, refund, read; and the sandbox's injected failures."""
