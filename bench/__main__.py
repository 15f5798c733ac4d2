"""``python -m bench [NAME ...]``: run the benchmarks (all by default) on SQLite and, when one
is reachable, PostgreSQL; print each figure with its baseline and write bench/results/*.json."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import chart, execute, plan, search, sync, throughput
from bench.common import postgres_available
from entrygo.api.wire import acting_in

SUITES = {"sync": sync, "plan": plan, "execute": execute, "throughput": throughput,
          "search": search}
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"which benchmarks ({', '.join(SUITES)}); all by default")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per figure")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in SUITES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(SUITES)}")
    backends = args.backend
    if not backends:
        backends = ["sqlite", "postgresql"] if postgres_available() else ["sqlite"]
        if "postgresql" not in backends:
            print("PostgreSQL unreachable: SQLite only", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    results = []
    for name in args.names or list(SUITES):
        for backend_name in backends:
            result = SUITES[name].run(backend_name, runs=args.runs)
            SUITES[name].show(result)
            results.append({"suite": name, **result})
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    chart.draw(results, RESULTS / "latest.png")
    print(f"results written to {RESULTS / 'latest.json'} and {RESULTS / 'latest.png'}")
    return 0


if __name__ == "__main__":
    with acting_in(livemode=True):  # set-up calls the services directly, outside a request
        sys.exit(main())
