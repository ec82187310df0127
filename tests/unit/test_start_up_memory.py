"""The serving process imports at start-up none of the libraries only rare requests use (invoice
documents, charts, the award optimiser, spreadsheets): each would cost every process tens of MB
(`benchmarks/README.md`, memory after the checkout benchmark)."""

from __future__ import annotations

import subprocess
import sys

DEFERRED = ("matplotlib", "scipy", "fpdf", "facturx", "ksef_client", "openpyxl", "segno", "saxonche")


def test_importing_the_application_loads_no_library_of_a_rare_request() -> None:
    probe = f"import sys, borderhub.app; print(' '.join(m for m in {DEFERRED!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert loaded.split() == []
