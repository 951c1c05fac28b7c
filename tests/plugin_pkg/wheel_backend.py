"""A minimal PEP 517 backend for this test package: a wheel of ``nuexp_plugin_demo``
with its entry point, so that pip installs it without any build dependency (offline)."""

import base64
import hashlib
import tomllib
import zipfile
from pathlib import Path

_ROOT = Path(__file__).parent
_PACKAGE = "nuexp_plugin_demo"


def _project() -> dict:
    return tomllib.loads((_ROOT / "pyproject.toml").read_text())["project"]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """Write ``NAME-VERSION-py3-none-any.whl`` into ``wheel_directory``; return its name."""
    project = _project()
    dist = project["name"].replace("-", "_")
    info = f"{dist}-{project['version']}.dist-info"
    groups = project["entry-points"]
    files = {str(p.relative_to(_ROOT)): p.read_bytes()
             for p in sorted((_ROOT / _PACKAGE).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts}
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {project['name']}\n"
                                 f"Version: {project['version']}\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: wheel_backend\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = "".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items())
        for group, eps in groups.items()).encode()
    record = [_record_line(name, data) for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    name = f"{dist}-{project['version']}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / name, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
    return name


def build_sdist(sdist_directory, config_settings=None):
    """Not needed to install from the source folder."""
    raise NotImplementedError("this test package is installed from its folder only")
