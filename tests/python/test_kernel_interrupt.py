""""Interrupt kernel" in a real Jupyter kernel: a long export stops with KeyboardInterrupt,
the kernel is not wedged, and the same client goes on working in the next cell."""

from __future__ import annotations

import sys
import time

import pytest
from helpers import page_requests
from hotjar_client.testing import FakeHotjar
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kernel interrupts by SIGINT")


def run_cell(kc, code: str, timeout: float = 60) -> tuple[dict, str]:
    """Runs code in the kernel: (the execute_reply content, what it printed)."""
    printed: list[str] = []

    def keep(message: dict) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=keep)
    return reply["content"], "".join(printed)


def test_interrupt_kernel_stops_an_export_and_the_client_stays_usable(tmp_path):
    with FakeHotjar(latency=0.3, responses_per_survey=[5000, 37]) as fake:
        big, small = fake.survey_ids
        km, kc = start_new_kernel(kernel_name="python3", startup_timeout=120)
        try:
            setup = (
                "import hotjar_client as hj\n"
                f"client = hj.Client({fake.client_id!r}, {fake.client_secret!r}, "
                f"site_id={fake.site_id!r}, base_url={fake.url!r})\n"
                "print(client.test_connection()['expires_in'])"
            )
            reply, printed = run_cell(kc, setup)
            assert reply["status"] == "ok", reply
            assert printed == "3600.0\n"

            target = tmp_path / "big.parquet"
            kc.execute(f"client.export_responses({big!r}, {str(target)!r})")
            deadline = time.monotonic() + 60
            while len(page_requests(fake, big)) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            pages_before = len(page_requests(fake, big))
            assert 3 <= pages_before < 50  # mid-export

            sent = time.monotonic()
            km.interrupt_kernel()
            while True:
                message = kc.get_shell_msg(timeout=30)
                if message["msg_type"] == "execute_reply":
                    break
            waited = time.monotonic() - sent
            assert message["content"]["status"] == "error"
            assert message["content"]["ename"] == "KeyboardInterrupt"
            assert waited < 5  # generous: the call checks for signals every 50 ms

            # The kernel answers, the client works, and nothing more went to the server.
            reply, printed = run_cell(
                kc,
                "import os\n"
                f"print(len(client.responses({small!r})), client.closed, "
                f"sorted(os.listdir({str(tmp_path)!r})))",
            )
            assert reply["status"] == "ok", reply
            assert printed == "37 False []\n"
            assert len(page_requests(fake, big)) <= pages_before + 1
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
