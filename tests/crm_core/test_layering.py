"""The domain package stays free of the Telegram and database libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CRM_CORE = Path(__file__).resolve().parents[2] / "crm_core"
FORBIDDEN = ("telegram", "sqlalchemy")


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize(
    "path", sorted(CRM_CORE.rglob("*.py")), ids=lambda path: str(path.relative_to(CRM_CORE))
)
def test_crm_core_module_imports(path):
    for module in imported_modules(path):
        assert module.split(".")[0] not in FORBIDDEN, f"{path.name} imports {module}"
