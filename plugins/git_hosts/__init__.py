"""Git hosts: turn a host's webhook deliveries into normalized git events.

Each module (``github``, ``gitlab``, ``bitbucket``, ``gitea``) registers one
:class:`autostack_core.interfaces.git_host.GitHost` through
``register_git_hosts``; the core serves ``/api/v1/webhooks/{name}`` for it and
decides what each event deploys.
"""
