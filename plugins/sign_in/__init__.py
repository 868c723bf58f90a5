"""Sign-in providers: people sign in with an account they already have (github, google).

Each module registers one :class:`autostack_core.interfaces.sign_in.SignInProvider`
through ``register_sign_in_providers``; the core runs the OAuth 2 flow at
``/auth/{name}/login`` and ``/auth/{name}/callback`` and signs the person in.
"""
