"""Serve the fake Hotjar API until Ctrl-C: ``python -m hotjar_client.testing --port 8080``."""

from __future__ import annotations

import argparse
import sys
import time

from hotjar_client.testing import FakeHotjar


def _parse_counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        message = f"expected numbers separated by commas, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if any(count < 0 for count in counts):
        raise argparse.ArgumentTypeError("response counts cannot be negative")
    return counts


def main(argv: list[str] | None = None, *, prog: str = "python -m hotjar_client.testing") -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve an offline fake of the Hotjar API on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: any free)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    parser.add_argument(
        "--responses",
        type=_parse_counts,
        default=[1234, 250, 0, 100, 37],
        metavar="N,N,...",
        help="one survey per number, with that many responses (default: 1234,250,0,100,37)",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    parser.add_argument(
        "--rate-limit", type=int, default=3000, help="requests per minute, 0 for no limit"
    )
    parser.add_argument(
        "--plan", choices=["ask_scale", "observe_scale", "none"], default="ask_scale"
    )
    args = parser.parse_args(argv)

    with FakeHotjar(
        args.seed,
        responses_per_survey=args.responses,
        latency=args.latency,
        rate_limit=args.rate_limit or None,
        plan=args.plan,
        port=args.port,
    ) as fake:
        # Fake credentials: printing them is the point.
        print(f"Fake Hotjar API at {fake.url}  (Ctrl-C to stop)")
        print(f"export HOTJAR_BASE_URL={fake.url}")
        print(f"export HOTJAR_CLIENT_ID={fake.client_id}")
        print(f"export HOTJAR_CLIENT_SECRET={fake.client_secret}")
        print(f"export HOTJAR_SITE_ID={fake.site_id}")
        print(f"export HOTJAR_ORGANIZATION_ID={fake.organization_id}")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
