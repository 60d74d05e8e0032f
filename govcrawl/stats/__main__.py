"""``python -m govcrawl.stats FILE.txt``: print parse_text(FILE).to_json() for debugging."""

import json
import sys

from govcrawl.stats import parse_text


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m govcrawl.stats FILE.txt", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        print(json.dumps(parse_text(f.read()).to_json(), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
