"""The grader's "review by hand" flag: what in a student's answer cells reaches past the exercise.

The answer cells are read as code (`ast`), not as text: comments and strings never count, and
identifiers are compared after the parser's own normalisation (NFKC), so `get_ipython()` written
in mathematical bold letters is `get_ipython()`. A flag does not change the score: it tells the
instructor which notebooks to read. Ordinary solution code (NumPy, nnlib, math, classes, closures)
is never flagged; what reaches the interpreter, the notebook, the checking code or the system is.
"""
from __future__ import annotations

import ast
import re

ALLOWED_MODULES = {"numpy", "math", "nnlib", "__future__"}   # and their public submodules
FORBIDDEN_NNLIB = {"checks", "course"}                       # the grading machinery
# Modules that cells may use without importing them, because the notebook's own cells import them.
NOTEBOOK_IMPORTS = {"np": "numpy", "numpy": "numpy", "math": "math", "nnlib": "nnlib", "plt": "matplotlib.pyplot"}
# Builtins that evaluate strings, reach objects by computed names, or read/write outside the kernel.
DYNAMIC = {"exec", "eval", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars", "open",
           "__import__", "breakpoint", "input", "memoryview"}
HISTORY = {"In": "IPython's input history", "Out": "IPython's output history", "_ih": "IPython's input history",
           "_oh": "IPython's output history", "_i": "IPython's input history", "_ii": "IPython's input history",
           "_iii": "IPython's input history"}
INTERPRETER = {"get_ipython", "IPython", "gc", "sys", "builtins", "os"}
# Dunders that only call the object's own methods (super().__init__(...)): they reach nothing new.
HARMLESS_DUNDERS = {"__init__", "__call__", "__name__", "__doc__", "__len__", "__getitem__", "__setitem__",
                    "__iter__", "__next__", "__repr__", "__str__"}
FRAME_ATTRIBUTES = {
    "frame": {"f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "f_lasti", "f_lineno"},
    "traceback": {"tb_frame", "tb_next", "tb_lasti", "tb_lineno"},
    "generator": {"gi_frame", "gi_code", "gi_yieldfrom", "ag_frame", "ag_code", "ag_await"},
    "coroutine": {"cr_frame", "cr_code", "cr_await", "cr_origin"},
    "code": {"co_code", "co_consts", "co_names", "co_varnames"},
}
MAX_REVIEW_CHARS = 200_000   # a longer answer cell is not parsed here (in the grader's process): it is flagged
MAGIC = "uses IPython magics or shell commands"
# A line IPython rewrites before Python sees it: `%magic`, `!shell`, `x = !shell`, `x = %magic`.
_MAGIC_LINE = re.compile(r"^(\s*)(?:[%!]|[\w.\[\], ]+=\s*[%!])")


def _module_allowed(dotted: str) -> bool:
    """Whether importing (or reaching) the module or name `dotted` is ordinary exercise code."""
    parts = dotted.split(".")
    if parts[0] not in ALLOWED_MODULES or any(p.startswith("_") for p in parts[1:]):
        return False
    return not (parts[0] == "nnlib" and len(parts) > 1 and parts[1] in FORBIDDEN_NNLIB)


def _first_forbidden(dotted: str) -> str:
    """The shortest prefix of `dotted` that is not allowed ('nnlib.checks.lec01.x' -> 'nnlib.checks')."""
    parts = dotted.split(".")
    return next(".".join(parts[:i]) for i in range(1, len(parts) + 1) if not _module_allowed(".".join(parts[:i])))


def _chain(node: ast.AST) -> tuple[ast.Name | None, list[str]]:
    """The root name and the steps of `a.b[i].c` -> (Name a, ['.b', '[...]', '.c']); (None, ...) if not rooted
    at a name. Iterative (not ast.unparse, which recurses): a chain can be thousands of steps long."""
    steps = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        steps.append(f".{node.attr}" if isinstance(node, ast.Attribute) else "[...]")
        node = node.value
    return (node if isinstance(node, ast.Name) else None), steps[::-1]


def _imports(trees: list[ast.AST]) -> dict[str, tuple[str, str]]:
    """{name: (dotted module or object path, 'module' or 'name')} bound by the cells' imports, plus the
    notebook's own (np, nnlib, ...), plus plain aliases of those (`m = np`)."""
    bound = {name: (path, "module") for name, path in NOTEBOOK_IMPORTS.items()}
    aliases: dict[str, list[str]] = {}   # name -> the names assigned from it (`m = np`: np -> [m])
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bound[alias.asname] = (alias.name, "module")
                    else:
                        top = alias.name.split(".")[0]
                        bound[top] = (top, "module")
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        bound[alias.asname or alias.name] = (f"{node.module}.{alias.name}", "name")
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                aliases.setdefault(node.value.id, []).extend(t.id for t in node.targets if isinstance(t, ast.Name))
    todo = list(bound)   # `a = np; b = a`: follow aliases of aliases (each name once: linear, however many)
    while todo:
        name = todo.pop()
        for alias in aliases.get(name, []):
            if alias not in bound:
                bound[alias] = bound[name]
                todo.append(alias)
    return bound


def _parse(source: str) -> tuple[ast.AST | None, list[str]]:
    """The cell's syntax tree and flags about its form: magics, or that it is not Python at all."""
    if len(source) > MAX_REVIEW_CHARS:
        return None, [f"has an answer cell too long to review automatically ({len(source)} characters)"]
    if source.lstrip().startswith("%%"):   # a cell magic: the body is Python (%%time) or not (%%bash)
        try:
            return ast.parse(source.lstrip().partition("\n")[2]), [MAGIC]
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None, [MAGIC]
    try:
        return ast.parse(source), []
    except (SyntaxError, ValueError):   # ValueError: a null byte (Python < 3.12)
        pass
    except (RecursionError, MemoryError):
        return None, ["has an answer cell nested too deeply to review automatically"]
    lines = source.splitlines()
    stripped = [(m.group(1) + "pass") if (m := _MAGIC_LINE.match(line)) else line for line in lines]
    if stripped != lines:
        try:
            return ast.parse("\n".join(stripped)), [MAGIC]
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    return None, ["has an answer cell that does not parse as Python"]


def review(sources: list[str], context: list[str] = ()) -> list[str]:
    """Short descriptions (sorted, each once) of what in the answer cells `sources` a human should
    look at; [] for ordinary exercise code. E.g. 'imports sys', 'calls exec', 'uses In (IPython's
    input history)', 'uses the dunder attribute __globals__', 'assigns to an attribute of the
    imported module np (np.any = ...)'.

    `context`: the notebook's other cells (e.g. the source's setup cells); their imports are known
    (so `alias.x = ...` is recognised) but they are not reviewed themselves.
    """
    found: set[str] = set()
    trees = []
    for source in sources:
        tree, flags = _parse(source)
        found.update(flags)
        if tree is not None:
            trees.append(tree)
    known = []
    for source in context:
        try:
            known.append(ast.parse(source))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    bound = _imports(known + trees)
    for tree in trees:
        found.update(_flags(tree, bound))
    return sorted(found)


def _flags(tree: ast.AST, bound: dict[str, tuple[str, str]]) -> set[str]:
    found = set()
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(f"imports {a.name}" for a in node.names if not _module_allowed(a.name))
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if node.level or not _module_allowed(module):
                found.add(f"imports {module}")
            else:
                found.update(f"imports {_first_forbidden(f'{module}.{a.name}')}" for a in node.names
                             if a.name != "*" and not _module_allowed(f"{module}.{a.name}"))
        elif isinstance(node, ast.Name):
            found.update(_name_flags(node, id(node) in called))
        elif isinstance(node, ast.Attribute):
            found.update(_attribute_flags(node, bound))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "check":
            found.add("defines its own check (def check), the name of the notebook's checking function")
        if isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load):
            found.update(_patch_flags(node, bound))
    return found


def _name_flags(node: ast.Name, called: bool) -> list[str]:
    name = node.id
    if not isinstance(node.ctx, ast.Load):
        return ["assigns to check (check = ...), the name of the notebook's checking function"] \
            if name == "check" else []
    if name in DYNAMIC:
        return [f"{'calls' if called else 'uses'} {name}"]
    if name in HISTORY or re.fullmatch(r"_i\d+", name):
        return [f"uses {name} ({HISTORY.get(name, HISTORY['In'])})"]
    if name in INTERPRETER:
        return [f"uses {name}"]
    if name.startswith("__") and name.endswith("__") and name not in HARMLESS_DUNDERS:
        return [f"uses the name {name}"]
    return []


def _attribute_flags(node: ast.Attribute, bound: dict[str, tuple[str, str]]) -> list[str]:
    flags = []
    attr = node.attr
    if attr.startswith("__") and attr.endswith("__") and attr not in HARMLESS_DUNDERS:
        flags.append(f"uses the dunder attribute {attr}")
    flags += [f"uses the {kind} attribute {attr}" for kind, names in FRAME_ATTRIBUTES.items() if attr in names]
    if isinstance(node.value, ast.Name) and node.value.id in bound:   # `nnlib.checks`: the chain's first step
        module = bound[node.value.id][0]
        if _module_allowed(module) and not _module_allowed(f"{module}.{attr}"):
            flags.append(f"uses {_first_forbidden(f'{module}.{attr}')}")
    return flags


def _patch_flags(target: ast.Attribute | ast.Subscript, bound: dict[str, tuple[str, str]]) -> list[str]:
    """`np.any = ...`, `np.linalg.norm += ...`, `del nnlib.checks.x`, `np.x[0] = ...`: changing an imported module."""
    root, steps = _chain(target)
    if root is None or root.id not in bound or not any(step.startswith(".") for step in steps):
        return []
    kind = bound[root.id][1]
    shown = root.id + "".join(steps)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if isinstance(target.ctx, ast.Del):
        return [f"deletes an attribute of the imported {kind} {root.id} (del {shown})"]
    return [f"assigns to an attribute of the imported {kind} {root.id} ({shown} = ...)"]
