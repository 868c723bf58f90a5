"""Providers: run deployments (local is the embedded default)."""
