"""One-click databases: PostgreSQL and Redis as services, their API, commands and runner.

``postgres`` and ``redis`` implement :class:`autostack_core.interfaces.services.Service`
from Debian's binaries; ``runner`` runs each database's server in a sandbox on the
local runtime and restarts it; ``plugin`` registers it all with the public hooks.
"""
