"""tests/smoke.py, the check `make wheel`, `make sdist` and the release workflow run on every
built wheel, passes against this build too (so it cannot rot between releases)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SMOKE = Path(__file__).resolve().parents[1] / "smoke.py"


def test_the_wheel_smoke_test_passes_on_this_build():
    run = subprocess.run(
        [sys.executable, str(SMOKE)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "smoke test passed"
    assert any(line.startswith("fake: 2 surveys, 250 responses") for line in lines), lines
    assert any(line.startswith("tls: ClientHello sent, handshake refused") for line in lines), lines
