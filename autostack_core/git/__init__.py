"""Git in the core: the built-in remote, what a git event deploys, the GitHub client and
connections, and which credential a clone uses.
"""
