"""From source to build output: the deploy pipeline, detection, the build sandbox, the build cache
and log, and the host's safe way into a user's files.
"""
