"""Where a profiled server spent its CPU: the collapsed stacks `start_api(profile=...)` wrote, summarised.

    .venv/bin/python scripts/bench/_profile_summary.py PROFILE [--top 40] [--under FUNCTION]

Prints, for the functions (``name (file:line)`` without the line) on the most samples, the
share of samples they appear in (inclusive) and the share where they are the leaf (self).
``--under`` keeps only the stacks through a function, e.g. ``run_endpoint_function``.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)$")


def frames(stack: str) -> list[str]:
    return [_LINE.sub(")", frame) for frame in stack.split(";")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--under", help="only stacks through a frame containing this text")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        names = frames(stack)
        if args.under and not any(args.under in name for name in names):
            continue
        samples = int(count)
        total += samples
        for name in set(names):
            inclusive[name] += samples
        leaf[names[-1]] += samples
    print(f"samples: {total}")
    print("inclusive %  self %  function")
    for name, samples in inclusive.most_common(args.top):
        print(f"{100 * samples / total:11.1f}  {100 * leaf[name] / total:6.1f}  {name}")
    print("\nself %  function (leaves)")
    for name, samples in leaf.most_common(args.top // 2):
        print(f"{100 * samples / total:6.1f}  {name}")


if __name__ == "__main__":
    main()
