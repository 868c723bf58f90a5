"""The dashboard: Jinja2 templates, static assets and their routes.

``plugin`` registers the routes through the public ``register_routes`` hook.
``rendering`` renders pages, ``formatting`` words times and states, ``access``
checks sign-in and team roles. One module per page family: ``pages`` (landing,
sign-up, log-in), ``dashboard``, ``new_project``, ``projects`` (project page
and deployment actions), ``deployment_page``, ``project_settings`` with
``env_settings``, ``git_settings`` and ``hook_settings``, ``teams`` and
``account``.
``static/live.js`` follows deployments live; ``static/dist/`` holds the npm
packages copied by ``npm run build`` (never committed).
"""
