"""One router per service the diagram calls; job types are ``<service>.<action>``."""
