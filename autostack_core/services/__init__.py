"""The services layer: what the API and the dashboard both do, without HTTP.

``autostack_core.api`` (JSON endpoints) and ``autostack_web`` (HTML pages) are
two front ends over the same operations; neither imports the other. What they
share lives here: checks of caller input (:mod:`.checks`), team roles and
access (:mod:`.access`), and the operations on projects, environment
variables, deploy hooks, teams, webhooks and scaling. A service takes plain values and
models (never a request) and raises :class:`~autostack_core.errors.ApiError`
subclasses, which each front end renders its own way (a JSON error, an HTML
page). ``tests/unit/test_dependency_rules.py`` keeps the two front ends apart.
"""
