"""Supply chain: dependency floors past known advisories, and lock files with hashes (uv pip
compile) that the image, ``make install`` and CI install from, covering every dependency."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.shop.test_production_settings import BASE_DIR

PYPROJECT = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
FLOORS = {
    "django": "5.2.11",
    "djangorestframework": "3.15.2",
    "gunicorn": "23",
    "pillow": "12.3",
    "temporalio": "1.25",
}
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", re.M)


def pins(lock: str) -> dict[str, Version]:
    text = (BASE_DIR / "requirements" / lock).read_text()
    return {name.lower().replace("_", "-"): Version(v) for name, v in _PIN.findall(text)}


def test_dependency_floors_are_past_the_known_advisories():
    # given the project's runtime dependencies
    requirements = {
        Requirement(r).name.lower(): Requirement(r) for r in PYPROJECT["project"]["dependencies"]
    }

    # when their lower bounds are read
    # then none allows a release below its advisory floor
    for name, floor in FLOORS.items():
        lowest = [s.version for s in requirements[name].specifier if s.operator == ">="]
        assert lowest and Version(lowest[0]) >= Version(floor), name


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("runtime.lock", ["dependencies"]), ("dev.lock", ["dependencies", "dev"])],
)
def test_locks_pin_every_dependency_with_hashes(lock, groups):
    # given a lock file and the requirements it must cover
    pinned = pins(lock)
    text = (BASE_DIR / "requirements" / lock).read_text()
    wanted = list(PYPROJECT["project"]["dependencies"])
    if "dev" in groups:
        wanted += PYPROJECT["project"]["optional-dependencies"]["dev"]

    # when each requirement is looked up
    # then it is pinned at a version it allows, and every pin carries a sha256 hash
    for spec in wanted:
        requirement = Requirement(spec)
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, f"{name} missing from {lock}"
        assert requirement.specifier.contains(pinned[name], prereleases=True), name
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)


def test_make_install_the_image_and_ci_use_the_locks():
    # given the Makefile (make install / make test, which .ci/run calls) and the Dockerfile
    makefile = (BASE_DIR / "Makefile").read_text()
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    # then both install from a lock with hashes required
    assert "LOCK := requirements/dev.lock" in makefile
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "$(STAMP): pyproject.toml $(LOCK)" in makefile
    assert "--require-hashes" in dockerfile and "runtime.lock" in dockerfile
    assert "make test" in (BASE_DIR / ".ci" / "run").read_text()
