"""A griffe extension for the API reference.

- The docstrings are written for ``help()`` and Sphinx habits (``>>>`` examples,
  ``:class:`X``` roles), which Markdown would render as nested quotes and stray colons: each
  run of ``>>>`` lines (with their output) becomes a ``pycon`` code block, each role a code
  span.
- The package is read by inspection (the docstrings of the native classes live in the
  compiled module), which gives no types for native methods: the types of the hand-kept
  stubs of the native module (``_native.pyi``), when there are any, are merged in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|meth|func|data|attr|exc|mod|obj):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    out: list[str] = []
    in_example = False
    for line in text.splitlines():
        stripped = line.strip()
        starts = stripped.startswith(">>>")
        if starts and not in_example:
            out.extend(["", "```pycon"])
            in_example = True
        elif in_example and not stripped:
            out.extend(["```", ""])
            in_example = False
            continue
        out.append(stripped if in_example else line)
    if in_example:
        out.append("```")
    return ROLE.sub(r"`\1`", "\n".join(out))


class ReferenceDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        native = pkg.members.get("_native")
        stubs = Path(str(pkg.filepath)).parent / "_native.pyi"
        if native is None or not stubs.exists():
            return
        typed = griffe.visit(f"{pkg.name}._native", stubs, stubs.read_text(encoding="utf-8"))
        griffe.merge_stubs(native, typed)
        # A default PyO3 cannot spell shows as Ellipsis: take the stubs' value.
        for class_name, typed_class in typed.classes.items():
            inspected_class = native.members.get(class_name)
            for name, typed_function in typed_class.functions.items():
                function = inspected_class.members.get(name) if inspected_class else None
                for parameter in getattr(function, "parameters", ()):
                    stub = typed_function.parameters
                    if str(parameter.default) == "Ellipsis" and parameter.name in stub:
                        parameter.default = stub[parameter.name].default
