"""A griffe extension for the API reference: the docstrings are written for ``help()`` and
Sphinx habits (``>>>`` examples, ``:class:`X``` roles), which Markdown would render as nested
quotes and stray colons. This turns each run of ``>>>`` lines (with their output) into a
``pycon`` code block and each role into a code span, when mkdocstrings reads the docstrings.
"""

from __future__ import annotations

import re
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


class DoctestBlocks(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
