"""Notifiers: deliver platform events (webhook, slack, email, github)."""
