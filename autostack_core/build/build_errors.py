"""The error a builder raises when a build fails for a reason the user can fix."""

from __future__ import annotations


class BuildError(Exception):
    """A failed build; the message is shown to the user as the deployment's error.

    Say what failed and what to change: "build command `npm run build` exited
    with code 1", "output directory 'dist' does not exist after the build".
    """
