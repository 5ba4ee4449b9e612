"""The HTTP API of ``calipso serve``."""
