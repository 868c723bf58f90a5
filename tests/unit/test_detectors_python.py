"""The python detector: FastAPI, Flask, Django, Starlette and Procfile apps."""

from __future__ import annotations

from pathlib import Path

import pytest

from autostack_core.interfaces import Detection, SourceTree
from autostack_plugins.detectors import python

pytestmark = pytest.mark.dbless


def detect(root: Path, files: dict[str, str]) -> Detection | None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return python.detect(SourceTree(root))


FASTAPI_MAIN = "from fastapi import FastAPI\n\napp = FastAPI(title='Todo')\n"


def test_fastapi_with_requirements(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"requirements.txt": "fastapi==0.111.0\nuvicorn[standard]\n",
                                  "main.py": FASTAPI_MAIN})
    assert detection is not None
    assert (detection.framework, detection.runtime) == ("fastapi", "python")
    assert detection.install_command == "pip install -r requirements.txt"
    assert detection.start_command == "uvicorn main:app --host 0.0.0.0 --port $PORT"
    assert detection.build_command is None and detection.output_directory is None
    assert "`main:app` created in `main.py`" in detection.reasons
    assert detection.reasons[0].startswith("FastAPI: `fastapi` in the dependencies")


def test_fastapi_in_a_package_with_uv(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "pyproject.toml": "[project]\nname = 'api'\nrequires-python = '>=3.12'\n"
                          "dependencies = ['fastapi[standard]>=0.112']\n",
        "uv.lock": "version = 1\n",
        "app/main.py": "from fastapi import FastAPI\napi: FastAPI = FastAPI()\n",
    })
    assert detection is not None
    assert detection.package_manager == "uv"
    assert detection.start_command == "uv run uvicorn app.main:api --host 0.0.0.0 --port $PORT"
    assert "Python `>=3.12` requested by `requires-python` in pyproject.toml" in detection.reasons


def test_flask_with_gunicorn_and_poetry(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "pyproject.toml": "[tool.poetry]\nname = 'site'\n\n[tool.poetry.dependencies]\n"
                          "python = '^3.11'\nFlask = '^3.0'\ngunicorn = '^22.0'\n",
        "poetry.lock": "",
        "app.py": "from flask import Flask\napp = Flask(__name__)\n",
    })
    assert detection is not None
    assert detection.framework == "flask"
    assert detection.start_command == "poetry run gunicorn app:app --bind 0.0.0.0:$PORT"


def test_flask_without_gunicorn_uses_dev_server_and_says_so(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "requirements.txt": "Flask>=3\n",
        "src/app.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
    })
    assert detection is not None
    assert detection.start_command == (
        "flask --app src/app.py:create_app() run --host 0.0.0.0 --port $PORT"
    )
    assert any("add it for production" in reason for reason in detection.reasons)


def test_django_with_manage_py_and_gunicorn(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "requirements.txt": "Django==5.0.7\ngunicorn==22.0.0\n",
        "manage.py": "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
        "mysite/settings.py": "STATIC_ROOT = BASE_DIR / 'staticfiles'\n",
    })
    assert detection is not None
    assert detection.framework == "django"
    assert detection.confidence > 0.9
    assert detection.start_command == "gunicorn mysite.wsgi --bind 0.0.0.0:$PORT"
    assert detection.build_command == "python manage.py collectstatic --noinput"
    assert "settings module `mysite.settings` from `manage.py`" in detection.reasons


def test_starlette(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "requirements.txt": "starlette==0.37.2\nuvicorn\n",
        "app.py": "from starlette.applications import Starlette\napp = Starlette(routes=[])\n",
    })
    assert detection is not None
    assert detection.framework == "starlette"
    assert detection.start_command == "uvicorn app:app --host 0.0.0.0 --port $PORT"


def test_fastapi_beats_starlette_listed_beside_it(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"requirements.txt": "starlette\nfastapi\nuvicorn\n",
                                  "main.py": FASTAPI_MAIN})
    assert detection is not None and detection.framework == "fastapi"


def test_procfile_decides_the_start_command(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"requirements.txt": "fastapi\nhypercorn\n",
                                  "main.py": FASTAPI_MAIN,
                                  "Procfile": "web: hypercorn main:app --bind 0.0.0.0:$PORT\n"})
    assert detection is not None
    assert detection.start_command == "hypercorn main:app --bind 0.0.0.0:$PORT"
    assert "start: the `web` process of `Procfile`" in detection.reasons


def test_plain_python_with_procfile(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"requirements.txt": "requests\n",
                                  "Procfile": "web: python bot.py\nworker: python jobs.py\n",
                                  "runtime.txt": "python-3.12.4\n"})
    assert detection is not None
    assert (detection.framework, detection.runtime) == ("python", "python")
    assert detection.start_command == "python bot.py"
    assert "Python `3.12.4` requested by `runtime.txt`" in detection.reasons


def test_not_python(tmp_path: Path) -> None:
    assert detect(tmp_path, {"package.json": "{}"}) is None
    assert detect(tmp_path, {"requirements.txt": "requests\n"}) is None


def test_functions_in_api_do_not_make_a_python_app(tmp_path: Path) -> None:
    """A static site with Python functions stays static (the functions builder serves it)."""
    assert detect(tmp_path, {"requirements.txt": "requests\n", "index.html": "<h1>hi</h1>",
                             "api/index.py": "def app(environ, start_response): ...\n"}) is None


def test_dependencies_and_entry_without_a_framework_are_vercels_python_preset(
    tmp_path: Path,
) -> None:
    """No start command is guessed: the reason asks for one instead."""
    detection = detect(tmp_path, {"requirements.txt": "requests\n", "main.py": "print(1)\n"})
    assert detection is not None
    assert (detection.framework, detection.runtime) == ("python", "python")
    assert detection.start_command is None
    assert any("set a start command" in reason for reason in detection.reasons)


def test_fasthtml_app_from_fast_app(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "requirements.txt": "python-fasthtml\nuvicorn\n",
        "app.py": "from fasthtml.common import *\n\napp, rt = fast_app()\n",
    })
    assert detection is not None
    assert detection.framework == "fasthtml"
    assert detection.start_command == "uvicorn app:app --host 0.0.0.0 --port $PORT"
    assert "`app:app` created in `app.py`" in detection.reasons
