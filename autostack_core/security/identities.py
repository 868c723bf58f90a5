"""Which AutoStack user a person's account elsewhere belongs to (``user_identities``).

An account on a host (a git host or a sign-in provider, by its registered name)
is linked to at most one user, and a user to at most one account per host. A
sign-in with a provider that names its accounts (GitHub's) finds the user by
that link, then by the verified email; connecting repositories on a git host
links the account that granted them, so a person cannot lend their AutoStack
account another account's access without that account's sign-in.

Joining by email happens only for accounts without a password (themselves
made by a provider): sign-up does not verify emails, so a password account
must log in and connect. A new person gets an account without a password and a
personal team.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from autostack_core.infrastructure.models import User, UserIdentity
from autostack_core.interfaces.sign_in import Identity, SignInError
from autostack_core.security import accounts


async def owner_of(host: str, external_id: str) -> User | None:
    """The user the account ``external_id`` on ``host`` is linked to."""
    identity = await UserIdentity.get_or_none(host=host, external_id=external_id
                                              ).prefetch_related("user")
    return identity.user if identity is not None else None


async def link(user: User, host: str, title: str, external_id: str, login: str | None,
               avatar_url: str | None = None) -> User:
    """Link the account ``external_id`` on ``host`` (``title``: how people write it) to ``user``.

    Refused (:class:`SignInError`) when the account is another user's, or when
    ``user`` is already linked to another account on ``host``.
    """
    taken = SignInError(f"this {title} account is connected to another AutoStack user")
    identity = await UserIdentity.get_or_none(host=host, external_id=external_id)
    if identity is not None and identity.user_id != user.id:  # type: ignore[attr-defined]
        raise taken
    if identity is None:
        if await UserIdentity.exists(user_id=user.id, host=host):
            raise SignInError(
                f"you approved access as {login or 'another account'}, but your AutoStack "
                f"account is linked to another {title} account: sign in to {title} with that "
                "one and connect again")
        try:
            await UserIdentity.create(user_id=user.id, host=host, external_id=external_id,
                                      login=login or "")
        except IntegrityError as error:  # the same account linked at the same moment
            raise taken from error
    elif login and identity.login != login:
        identity.login = login
        await identity.save(update_fields=["login"])
    if avatar_url and not user.avatar_url:
        user.avatar_url = avatar_url
        await user.save(update_fields=["avatar_url"])
    return user


async def user_for(provider: str, title: str, identity: Identity,
                   signed_in: User | None) -> User:
    """The user to sign in with ``identity`` from ``provider`` (or ``signed_in``, now
    linked); created if new."""
    if identity.account_id is not None:
        if signed_in is not None:
            return await link(signed_in, provider, title, identity.account_id, identity.login,
                              identity.avatar_url)
        owner = await owner_of(provider, identity.account_id)
        if owner is not None:
            return await link(owner, provider, title, identity.account_id, identity.login,
                              identity.avatar_url)
    elif signed_in is not None:
        return signed_in
    if identity.email is None:
        raise SignInError("the account has no verified email address; verify one and retry")
    user = await User.get_or_none(email=identity.email.lower())
    if user is not None and user.password_hash is not None:
        # Sign-up does not verify emails: whoever registered this address first
        # must prove the password before a provider account is joined to it.
        raise SignInError(f"an account with this email already exists: log in with its "
                          f"password, then connect {title} from your account")
    if user is None:
        user = await accounts.create_user(identity.email, None, identity.name)
    if identity.account_id is not None:
        user = await link(user, provider, title, identity.account_id, identity.login,
                          identity.avatar_url)
    return user
