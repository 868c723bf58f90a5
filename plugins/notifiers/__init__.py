"""Notifiers: deliver platform events (webhook, slack, email, github).

``messages`` words an event for people; each other module registers one
notifier through ``register_notifiers``. Projects choose and configure them
in their settings; the core sends, in the background, with retries.
"""
