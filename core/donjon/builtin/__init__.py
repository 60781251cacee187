"""Core behaviour registered through the same hooks as external plugins."""
