"""The code's shape, checked: the promised top level, the direction of imports, and no import
hidden inside a function (each one that must be there says why on its line)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = [
    "shop",
    "catalog",
    "accounts",
    "cart",
    "orders",
    "taxes",
    "promotions",
    "invoices",
    "refunds",
    "returns",
    "workflows",
]
# Modules that run inside Temporal's workflow sandbox: deterministic, no Django.
SANDBOXED = [
    "workflows/workflow.py",
    "workflows/types.py",
    "workflows/search_attributes.py",
    "workflows/return_workflow.py",
    "workflows/return_types.py",
    "orders/states.py",
    "workflows/refund_workflow.py",
    "workflows/refund_types.py",
]
# The one module through which the rest of the shop reaches Temporal.
TEMPORAL_GATEWAY = "workflows.client"


def _product_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (BASE_DIR / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _imports(tree: ast.AST) -> list[tuple[ast.AST, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in APPS:  # ``from workflows import client`` is workflows.client
                found.extend((node, f"{node.module}.{alias.name}") for alias in node.names)
            else:
                found.append((node, node.module))
    return found


def _rel(path: Path) -> str:
    return path.relative_to(BASE_DIR).as_posix()


def test_the_promised_top_level_is_there():
    # Given / When the repository root is listed / Then everything promised to users is there
    promised = [
        "manage.py",
        "pyproject.toml",
        "docker-compose.yml",
        *APPS,
        "templates",
        "tests",
    ]
    assert [name for name in promised if not (BASE_DIR / name).exists()] == []


def test_only_the_workflows_package_imports_temporal_and_others_use_its_client():
    # Given every product module outside workflows/
    offenders = []
    for path in _product_modules():
        if path.parts[len(BASE_DIR.parts)] == "workflows":
            continue
        # When its imports are read
        for node, name in _imports(ast.parse(path.read_text())):
            reaches_temporal = name == "temporalio" or name.startswith("temporalio.")
            other_workflows = name.startswith("workflows") and name != TEMPORAL_GATEWAY
            if reaches_temporal or other_workflows:
                offenders.append(f"{_rel(path)}:{node.lineno} imports {name}")
    # Then none reaches Temporal except through workflows.client
    assert offenders == []


@pytest.mark.parametrize("module", SANDBOXED)
def test_sandboxed_modules_import_no_django(module):
    # Given a module that runs in the workflow sandbox
    tree = ast.parse((BASE_DIR / module).read_text())
    # When its imports are read
    names = [name for _node, name in _imports(tree)]
    # Then none is Django or a Django app (orders.states is plain Python, made for this)
    django = {"django", "rest_framework", *APPS[:5]}
    assert [n for n in names if n.split(".")[0] in django and n != "orders.states"] == []


def test_no_import_inside_a_function_without_a_reason():
    # Given every product module
    offenders = []
    for path in _product_modules():
        source = path.read_text()
        lines = source.splitlines()
        # When imports nested in a function body are looked for
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    around = " ".join(lines[max(inner.lineno - 2, 0) : inner.lineno])
                    if "#" not in around:
                        offenders.append(f"{_rel(path)}:{inner.lineno}")
    # Then there are none, or each says on its line (or the one above) why it must be there
    assert offenders == []


def test_the_api_imports_nothing_from_the_page_views():
    # Given the order API module / When its imports are read
    names = [name for _n, name in _imports(ast.parse((BASE_DIR / "orders/api.py").read_text()))]
    # Then the page views are not among them (both use orders.selectors)
    assert [n for n in names if n.startswith("orders.views")] == []
    assert "orders.selectors" in names or "orders" in names
