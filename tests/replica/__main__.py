"""``python -m replica serve|seeds|truth``: run the replica web or write its seeds and truth."""

from __future__ import annotations

import argparse
import csv
import json
import signal
import sys
import threading
from pathlib import Path

from replica.web import SEED_COLUMNS, VirtualWeb, build_web


def _web(name: str) -> VirtualWeb:
    """The named web: ``bundled`` (the demo's), ``families`` (one portal per CMS family and
    situation) or ``generated`` (the ~300 generated portals)."""
    if name == "families":
        from replica.fixtures import family_web

        return family_web()
    if name == "generated":
        from replica.generate import generated_web

        return generated_web()
    return build_web()


def _serve(args: argparse.Namespace) -> int:
    from replica.server import ReplicaServer

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = ReplicaServer(args.host, args.port, web=_web(args.web)).start()
    print(f"REPLICA {server.proxy_url}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
        if args.log:
            with Path(args.log).open("w", encoding="utf-8") as f:
                for entry in server.log:
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return 0


def _seeds(args: argparse.Namespace) -> int:
    with Path(args.file).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SEED_COLUMNS)
        writer.writeheader()
        writer.writerows(_web(args.web).seed_rows())
    return 0


def _truth(args: argparse.Namespace) -> int:
    Path(args.file).write_text(
        json.dumps(_web(args.web).truth(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one subcommand."""
    parser = argparse.ArgumentParser(prog="python -m replica", description="The replica web.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="serve until SIGTERM/SIGINT; prints 'REPLICA <proxy url>' when ready"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--log", help="write the request log here as JSONL on shutdown")
    serve.set_defaults(run=_serve)
    seeds = sub.add_parser("seeds", help="write the seed CSV of the replica's portals")
    seeds.add_argument("file")
    seeds.set_defaults(run=_seeds)
    truth = sub.add_parser("truth", help="write the ground truth as JSON")
    truth.add_argument("file")
    truth.set_defaults(run=_truth)
    for command in (serve, seeds, truth):
        command.add_argument("--web", choices=("bundled", "families", "generated"), default="bundled")
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
