"""`python -m hotjar_client.testing` serves the fake on its own until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import hotjar_client as hj


def test_the_standalone_fake_prints_its_settings_serves_and_stops_on_ctrl_c():
    server = subprocess.Popen(
        [sys.executable, "-m", "hotjar_client.testing", "--port", "0", "--responses", "3,0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        settings = {}
        for line in server.stdout:
            if line.startswith("export "):
                name, value = line.removeprefix("export ").strip().split("=", 1)
                settings[name] = value
            if len(settings) == 5:
                break
        assert set(settings) == {
            "HOTJAR_BASE_URL",
            "HOTJAR_CLIENT_ID",
            "HOTJAR_CLIENT_SECRET",
            "HOTJAR_SITE_ID",
            "HOTJAR_ORGANIZATION_ID",
        }
        with hj.Client(
            settings["HOTJAR_CLIENT_ID"],
            settings["HOTJAR_CLIENT_SECRET"],
            site_id=settings["HOTJAR_SITE_ID"],
            base_url=settings["HOTJAR_BASE_URL"],
        ) as client:
            surveys = client.list_surveys()
            assert [len(client.responses(s["id"])) for s in surveys] == [3, 0]
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=15)
        assert server.returncode == 0, err
        assert "stopped" in out
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
