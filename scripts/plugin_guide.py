"""Write docs/plugins.md from the hookspecs: the plugin guide is their docstrings.

Usage: python scripts/plugin_guide.py [--check]
With --check, exit 1 when docs/plugins.md differs from what the hookspecs say.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from autostack_core import hookspecs

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"

INTRO = """# Writing AutoStack plugins

A plugin is an ordinary Python package with an entry point in the group
`autostack`, for example in its `pyproject.toml`:

```toml
[project.entry-points.autostack]
my_plugin = "my_plugin"
```

The module implements any of the hooks below with the same marker the
built-in plugins use:

```python
from autostack_core import hookimpl

@hookimpl
def extra_template_vars(request, template):
    return {"greeting": "hello"}
```

`autostack plugins` lists what is loaded, with versions and hooks, and every
plugin that failed to import with its error. This page is generated from
`autostack_core/hookspecs.py` by `scripts/plugin_guide.py`; a test keeps them
equal.

## Hooks
"""


PROVIDERS = """## Writing a provider: a runtime and an edge

A provider is two objects, often shipped together: a **runtime** runs
releases (`register_runtimes`) and an **edge** sends hostnames' traffic to
them (`register_edges`). Their contracts are the protocols
`autostack_core.interfaces.runtime.Runtime` and
`autostack_core.interfaces.edge.Edge`; a provider imports those modules and
`hookimpl`, nothing else of the core. The core calls:

- `runtime.publish(artifact) -> ArtifactReference` once a build is stored:
  materialize its files (`await artifact.write_to(folder)` writes the Build
  Output layout of `docs/build-output.md`) or push an image;
- `runtime.deploy(release) -> Endpoint` after that and whenever an alias needs
  the release: idempotent per release id, it wakes a sleeping release and
  raises with the reason on failure;
- `runtime.status(id)` (`absent` for unknown ids), `runtime.logs(id, since,
  follow)` (an async iterator of `LogLine`, oldest first) and
  `runtime.cost_estimate(release)` for the API, CLI and dashboard;
- `runtime.scale(id, policy)` when scale settings change, and
  `runtime.destroy(id)` when a deployment is deleted or collected (an absent
  one is fine);
- `edge.bind(hostname, [WeightedEndpoint(endpoint, weight), ...])` whenever an
  alias moves: traffic splits by weight, the change is atomic, and a refused
  bind changes nothing; `edge.unbind`, `edge.redirect`, `edge.certificate`
  and `edge.public_url` for domains, their certificates and their URLs.
- `edge.protect(hostname, Protection(control_plane) | None)` for deployment
  protection, before the hostname is bound and whenever the project's settings
  change: the edge asks `control_plane + PROTECTION_CHECK` before each request
  for the hostname (2xx lets it through, any other answer is the visitor's),
  proxies the paths under `PROTECTION_PREFIX` to the control plane, and marks
  every answer `Cache-Control: private, no-store` (`docs/protection.md`).
- `edge.skew_protection(hostname, seconds)` after every bind and when the
  project's window changes: a request naming a deployment (`x-deployment-id`,
  `?dpl=`, or the `__vdpl` cookie except on page navigations) is served by it
  while the hostname is, or within `seconds` was, bound to it; any other name
  is ignored. An edge that cannot pin raises `NotImplementedError`
  (`docs/traffic.md`).
- `edge.traffic(hostname, since)` for split tests: requests and 5xx answers
  per release id since `since` (`NotImplementedError` when the edge does not
  count).

A small, complete pair to read first is the null provider
(`plugins/providers/null/`: `runtime.py`, `edge.py`): it keeps everything in memory, and
`NullEdge.fetch(hostname, path)` plays a visitor, so tests can check what a
hostname serves without any server. A pip-installable example with a real
HTTP edge is `tests/plugins/example_provider`:

```python
from autostack_core import hookimpl
from autostack_core.interfaces.runtime import Endpoint, OutputKind, Release

class MyRuntime:
    name = "my-cloud"
    accepts = frozenset({OutputKind.STATIC, OutputKind.SERVER})
    config_fields = ()
    async def deploy(self, release: Release) -> Endpoint: ...
    ...  # start, stop, publish, status, destroy, scale, logs, cost_estimate

@hookimpl
def register_runtimes(settings):
    return [MyRuntime()]
```

### Running the conformance suite against your pair

`tests/conformance` in AutoStack's source holds the cases every runtime + edge
pair must pass: static, server and functions outputs (the ones your runtime
`accepts`), status from `absent` to `ready` to `absent`, idempotent deploy,
bind, move and unbind, weights (3:1 over 200 requests), a refused bind,
redirects, logs with `since` and `follow`, destroy, scale to zero, the cost
estimate, skew pins and traffic counts (skipped when the edge refuses them).
Subclass `ProviderConformance` and give it your pair:

```python
# test_my_pair.py
import httpx
import pytest

from tests.conformance import Answer, Pair, ProviderConformance


class TestMyPair(ProviderConformance):
    @pytest.fixture
    async def pair(self, tmp_path):
        runtime, edge = MyRuntime(), MyEdge()
        await edge.start()
        await runtime.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{edge.port}") as http:
            async def request(hostname, path):
                http.cookies.clear()  # every request is a new visitor
                response = await http.get(path, headers={"Host": hostname})
                return Answer(response.status_code, response.headers, response.content)

            yield Pair(runtime, edge, request, runs_code=True, idle_seconds=2)
        await runtime.stop()
        await edge.stop()
```

`Pair` says what the suite may expect: `request(hostname, path)` sends a GET
through your edge as a new visitor (no cookie kept: an edge may pin a visitor
to one side of a split) without following redirects; `hostname(label)` makes a
hostname your edge serves (`<label>.example.test` by default); `runs_code`
says the runtime runs the apps themselves, so their answers and printed lines
are checked too; `idle_seconds` is how long a release allowed zero replicas
idles before it sleeps (`None`: no scale to zero, and that case is skipped);
`timeout` bounds every wait; `control_plane` is an `http://host:port` your
edge can reach, where the protection case runs a stand-in control plane
(`None` skips it). Run it from a checkout of AutoStack:

```
PYTHONPATH=/path/to/autostack python -m pytest -o asyncio_mode=auto test_my_pair.py
```

Cases for output kinds your runtime does not accept are skipped with the
reason. A runtime that accepts only images gives `Pair(image=...)`:
`image(marker)` builds the suite's app as an image and returns its build
output, and the edge, status, logs and destroy cases run on that app.
AutoStack runs the suite on the null pair in its fast tier
(`tests/conformance/test_null.py`), on the example package
(`test_example_provider.py`) and, in its e2e tier, on the local pair with real
Caddy and bubblewrap (`test_local.py`) and on the `containers` runtime with
podman (`test_containers.py`, `docs/providers/containers.md`).
"""


GIT_HOSTS = """## Writing a git host

A git host (`register_git_hosts`) follows the protocol
`autostack_core.interfaces.git_host.GitHost`. Every host turns its webhook
deliveries into `GitEvent`s (`has_signature`, `delivery_id`, `verify`,
`parse`); a host that does only that is data, a `WebhookFormat`
(`plugins/git_hosts/gitlab.py`). A host whose accounts people connect, as
GitHub's do (`plugins/git_hosts/github/`), also lends their repositories to
projects. The core keeps what is the same for every host: the OAuth flow at
`/auth/{name}/connect` (its callback is `/auth/{name}/callback`), each
person's credential on the host, sealed (`git_accounts`), the host account
linked to each person (`user_identities`: one user per account), which project
is connected to which repository by whom (`git_connections`), and the rule
that a credential goes to the connected repository's URL and nowhere else.
The host answers:

- `oauth_app(settings)`: an `OAuthApp` with the authorize and token URLs, the
  scopes to ask, and the app's `client_id` and `client_secret` as the server's
  admin set them (read them with `settings.plugin_setting("AUTOSTACK_...")`;
  `None` while unset, with `configure` saying what to set), or `None` for a
  host that connects no accounts;
- `account(settings, credential)`: the `HostAccount` (stable id, login) the
  token just granted belongs to;
- `repository_of(settings, url)`: the repository (`owner/name`) a URL names
  on this host, or `None` (another host, user info, a query, a deeper path);
  every clone asks it, and a credential is sent only when it names the
  connected repository;
- `repositories(settings, credential, limit)` for the "Import from" card and
  `GET /api/v1/git-hosts/{name}/repositories`;
- `repository(settings, credential, name)` before a connection is recorded:
  raise `GitHostError(404, ...)` when the credential cannot read it;
- `ensure_webhook(settings, credential, repository, url, secret)`: create the
  webhook to `POST /api/v1/webhooks/{name}`, or update the one already there
  (its `id` is recorded); `delete_webhook(settings, credential, repository,
  webhook_id)` deletes it when the project is deleted or the repository
  unlinked;
- `clone_as_user(credential)` and `clone_for_deployment(settings, repository,
  credential)`: the HTTP Basic user and password git sends, for a person's own
  request and for a deployment (which may trade the person's credential for
  a narrower one, as GitHub's App installation tokens are).

Every host, connecting accounts or not, may answer `webhook_setup(settings)`:
a `WebhookSetup` (the host's `title`, `where` its webhook form is, its labels
for the URL and the secret, and its other `fields` as `(label, value)` pairs),
which the dashboard's Settings → Git shows, with the URL and the project's
secret filled in, when AutoStack cannot create the webhook itself; a
`WebhookFormat` takes it as `setup=`.

Errors the host answers become `GitHostError(status, message)`; the message is
shown to the user.
"""


def hook_names() -> list[str]:
    return [name for name, value in vars(hookspecs).items()
            if inspect.isfunction(value) and hasattr(value, "autostack_spec")]


def render() -> str:
    sections = [INTRO]
    for name in hook_names():
        function = getattr(hookspecs, name)
        signature = str(inspect.signature(function)).replace("'", "")
        doc = inspect.cleandoc(function.__doc__ or "")
        sections.append(f"### `{name}{signature}`\n\n{doc}\n")
    sections.append(PROVIDERS)
    sections.append(GIT_HOSTS)
    return "\n".join(sections)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if GUIDE.read_text() == text else 1
    GUIDE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
