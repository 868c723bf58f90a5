"""What the supervisor runs and remembers: Program, Replica and Workload, and their state file.

A deployment's runtime is a :class:`Workload`: a list of :class:`Program` (its
server, and one worker per function runtime), each run as :class:`Replica`
copies. The supervisor saves every workload to ``<data>/runtime/state.json``
(mode 0600) before what should run changes, so a new control plane can re-adopt
it; the runtime environment variables are sealed with the keyring there, like
every secret at rest.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autostack_core.security.sealing import active_keyring
from autostack_core.utils import write_private

ENV_CONTEXT = "runtime.env"


@dataclass
class Program:
    """One thing a deployment runs: its server, or a function worker."""

    name: str
    command: str
    app_dir: str
    health_path: str = "/"
    replicas: int = 1
    binds: list[str] = field(default_factory=list)


@dataclass
class Replica:
    """One running copy of a program: its shim's pid and the port it serves."""

    program: str
    index: int
    port: int
    pid: int = 0

    @property
    def source(self) -> str:
        """Its name in the runtime logs, e.g. ``server-0``."""
        return f"{self.program}-{self.index}"


@dataclass
class Workload:
    """What the supervisor keeps for one deployment (saved in the state file)."""

    id: str
    programs: list[Program]
    env: dict[str, str] = field(default_factory=dict)
    project: str = ""
    scale_to_zero: bool = False
    status: str = "starting"  # starting, running, unhealthy, asleep, stopped
    replicas: list[Replica] = field(default_factory=list)
    waker_ports: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The state file's form: the environment sealed like every secret at rest."""
        data = asdict(self)
        data["env"] = active_keyring().seal(json.dumps(self.env), ENV_CONTEXT)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workload:
        env = json.loads(active_keyring().open(data["env"], ENV_CONTEXT)) if data.get("env") \
            else {}
        return cls(
            id=data["id"], env=env, status=data.get("status", "stopped"),
            project=data.get("project", ""), scale_to_zero=bool(data.get("scale_to_zero")),
            programs=[Program(**program) for program in data.get("programs", [])],
            replicas=[Replica(**replica) for replica in data.get("replicas", [])],
            waker_ports=dict(data.get("waker_ports", {})),
        )


def save_workloads(path: Path, workloads: dict[str, Workload]) -> None:
    """Write every workload to the state file at ``path`` (mode 0600)."""
    data = {key: value.to_dict() for key, value in workloads.items()}
    write_private(path, json.dumps({"runtimes": data}, indent=1, sort_keys=True))


def load_workloads(path: Path) -> dict[str, Workload]:
    """The workloads saved at ``path``; none when there is no state file yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {key: Workload.from_dict(value) for key, value in data.get("runtimes", {}).items()}
