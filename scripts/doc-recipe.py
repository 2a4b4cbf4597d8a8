#!/usr/bin/env python3
"""Print the shell block a doc marks as an install recipe, for make test-dist to run verbatim.

    scripts/doc-recipe.py FILE NAME

A recipe is the fenced block right after a line `<!-- recipe: NAME -->` (invisible on GitHub).
Fails when the marker is missing, appears twice, or is not followed by a fenced block: a doc
that drifts from what test-dist runs fails the test instead of going stale.
"""

import re
import sys


def main() -> None:
    path, name = sys.argv[1], sys.argv[2]
    lines = open(path, encoding="utf-8").read().splitlines()
    marker = re.compile(r"^<!--\s*recipe:\s*" + re.escape(name) + r"\s*-->\s*$")
    hits = [i for i, line in enumerate(lines) if marker.match(line)]
    if len(hits) != 1:
        sys.exit(f"{path}: {len(hits)} `<!-- recipe: {name} -->` markers (want exactly 1)")
    i = hits[0] + 1
    if i >= len(lines) or not lines[i].startswith("```"):
        sys.exit(f"{path}:{i + 1}: the recipe marker `{name}` is not followed by a fenced block")
    body = []
    for line in lines[i + 1:]:
        if line.startswith("```"):
            break
        body.append(line)
    else:
        sys.exit(f"{path}: the block of recipe `{name}` is not closed")
    if not any(line.strip() for line in body):
        sys.exit(f"{path}: the block of recipe `{name}` is empty")
    print("\n".join(body))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main()
