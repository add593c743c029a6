"""ClawRouter: a self-hosted LLM API gateway. Importing the package does no work."""

__version__ = "0.1.0"
