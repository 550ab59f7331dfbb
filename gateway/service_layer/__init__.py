"""The gateway's use cases: start a checkout, recover unstarted ones, read, wait for and list checkouts."""
