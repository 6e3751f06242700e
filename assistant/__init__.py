"""Value Stream Assistant: the platform-neutral engine and the services around it."""

__version__ = "0.1.0"
