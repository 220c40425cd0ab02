"""The code version an asset gets when it does not declare one: a hash of its syntax tree.

Hashing the source text made a docstring edit, a comment or ``ruff format`` mark every partition
of the asset (and everything downstream) stale. The default version hashes the function's
*normalized* syntax tree instead: docstrings, comments, blank lines, quoting, line breaks and the
decorator line do not count; any change to a constant, a name, an operator or a statement does.

The tree is serialized by hand (node type, then each field that has a value) rather than with
``ast.dump``, whose output changed across Python releases (3.13 omits empty fields), so that a
Python upgrade does not restale a warehouse.

Warehouses written before this scheme recorded ``src:<hash of the source text>``. An asset also
carries that legacy hash of its current text (:func:`legacy_source_version`), and staleness
accepts it as the same code: upgrading restales nothing whose source is unchanged.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

PREFIX = "ast:"
LEGACY_PREFIX = "src:"
_DOC_OWNERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)


def derived_versions(fn: Callable[..., Any]) -> tuple[str, str | None]:
    """``(code version, legacy version or None)`` of a function without a declared version."""
    source = _source(fn)
    if source is None:
        return PREFIX + _digest(_bytecode(fn)), LEGACY_PREFIX + _digest(_legacy_bytecode(fn))
    legacy = LEGACY_PREFIX + _digest(source.encode())
    try:
        tree = ast.parse(source)
    except SyntaxError:  # e.g. a lambda cut out of a longer expression
        return PREFIX + _digest(_bytecode(fn)), legacy
    return PREFIX + _digest(normalized(tree).encode()), legacy


def normalized(tree: ast.Module) -> str:
    """A canonical text of ``tree``: no docstrings, no positions, and no decorators on its
    top-level definitions (the asset's own decorator holds options, not computation)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            node.decorator_list = []
    return "".join(_walk(tree))


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, ast.AST):
        yield type(node).__name__ + "("
        for name, value in ast.iter_fields(node):
            if name == "body" and isinstance(node, _DOC_OWNERS):
                value = _without_docstring(value)
            if value is None or value == []:
                continue  # absent and empty fields: stable when Python adds optional fields
            yield name + "="
            yield from _walk(value)
            yield ","
        yield ")"
    elif isinstance(node, list):
        yield "["
        for item in node:
            yield from _walk(item)
            yield ","
        yield "]"
    else:
        yield repr(node)


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[1:]
    return body


def _source(fn: Callable[..., Any]) -> str | None:
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):  # defined in a REPL or by exec(): no source to read
        return None


def _bytecode(fn: Callable[..., Any]) -> bytes:
    code = getattr(fn, "__code__", None)
    if code is None:
        return repr(fn).encode()
    doc = fn.__doc__
    consts = tuple(c for c in code.co_consts if doc is None or c != doc)
    return code.co_code + repr(consts).encode()


def _legacy_bytecode(fn: Callable[..., Any]) -> bytes:
    code = getattr(fn, "__code__", None)
    return b"" if code is None else code.co_code + repr(code.co_consts).encode()


def _digest(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=6).hexdigest()
