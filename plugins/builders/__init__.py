"""Builders: turn a source tree into Build Output API v3 output."""
