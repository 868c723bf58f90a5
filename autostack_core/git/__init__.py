"""Git in the core: the built-in remote, what a git event deploys, projects connected to a
repository on a git host, and which credential a clone uses (every host through the
``GitHost`` interface)."""
