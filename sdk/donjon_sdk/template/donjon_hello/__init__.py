"""A minimal Donjon plugin (the SDK's template)."""

__version__ = "0.1.0"
