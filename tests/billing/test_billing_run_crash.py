"""The billing run killed part-way (a real process, SIGKILL) and run again
bills exactly what an uninterrupted run bills: same numbers, no gap, no line
twice. Runs against file SQLite databases of its own, in subprocesses."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SUPPORTLEDGER = Path(sys.executable).with_name("supportledger")
NOW = "2026-04-01T06:00:00+00:00"


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SUPPORTLEDGER_VAR_DIR=str(var_dir), DATABASE_URL="", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def _bill(var_dir: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SUPPORTLEDGER), "bill", "--period", "2026-03", "--now", NOW],
        env=_env(var_dir, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def _invoices(var_dir: Path) -> list[tuple]:
    db = sqlite3.connect(var_dir / "supportledger.sqlite3")
    try:
        invoices = db.execute(
            "SELECT number, sequence, customer_id, status, net_amount, total_amount "
            "FROM billing_invoice ORDER BY sequence"
        ).fetchall()
        lines = db.execute(
            "SELECT i.number, l.position, l.kind, l.work_id, l.entitlement_id, l.amount "
            "FROM billing_invoiceline l JOIN billing_invoice i ON i.id = l.invoice_id "
            "ORDER BY i.sequence, l.position"
        ).fetchall()
        counter = db.execute("SELECT last_number FROM billing_invoicecounter").fetchall()
    finally:
        db.close()
    return [invoices, lines, counter]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("seed")
    subprocess.run(
        [str(SUPPORTLEDGER), "migrate", "--noinput", "-v0"],
        env=_env(var_dir),
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    subprocess.run(
        [sys.executable, "-m", "tests.billing.crash_data", "12"],
        env=_env(var_dir),
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    db = sqlite3.connect(var_dir / "supportledger.sqlite3")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return var_dir


def _copy(seeded: Path, target: Path) -> Path:
    target.mkdir()
    for name in ("supportledger.sqlite3", "secret_key"):
        shutil.copy(seeded / name, target / name)
    return target


def test_a_run_killed_mid_invoice_and_rerun_bills_like_an_uninterrupted_run(seeded, tmp_path):
    clean = _copy(seeded, tmp_path / "clean")
    _bill(clean)
    expected = _invoices(clean)
    assert len(expected[0]) == 13  # Acme and twelve customers
    assert [row[1] for row in expected[0]] == list(range(1, 14))

    crashed = _copy(seeded, tmp_path / "crashed")
    # Batches of 4 customers; stop inside the 2nd batch's transaction, its
    # invoices, lines, numbers and audit rows written. The pause is a wrapper
    # the test's runner puts around the database connection.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.billing.crash_bill",
            "2",
            "--period",
            "2026-03",
            "--now",
            NOW,
            "--batch-size",
            "4",
        ],
        env=_env(crashed),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    printed = []
    for line in process.stdout:
        printed.append(line)
        if line.strip() == "paused":
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    committed = len([p for p in printed if p.startswith("INV-")])
    assert 0 < committed < 13
    half = _invoices(crashed)
    # The 2nd batch rolled back whole, its numbers with it: what is left is
    # the first batch, numbered 1, 2, ... without a gap.
    assert [row[1] for row in half[0]] == list(range(1, committed + 1))
    assert half[0] == expected[0][:committed]
    assert half[2] == [(committed,)]

    _bill(crashed)
    assert _invoices(crashed) == expected
    # A third run finds nothing left to bill.
    assert _bill(crashed).stdout.strip().endswith("done: 0 invoices for 2026-03")
    assert _invoices(crashed) == expected


def _chunks(var_dir: Path) -> list[tuple]:
    db = sqlite3.connect(var_dir / "supportledger.sqlite3")
    try:
        return db.execute(
            "SELECT number, status, json_array_length(invoice_ids) FROM billing_billingchunk "
            "ORDER BY number"
        ).fetchall()
    finally:
        db.close()


def _share(var_dir: Path, pause_at: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.billing.crash_chunk", str(pause_at), "2026-03", NOW],
        env=_env(var_dir),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_worker_killed_inside_a_chunk_leaves_it_queued_for_the_next_worker(seeded, tmp_path):
    clean = _copy(seeded, tmp_path / "clean")
    _bill(clean)
    expected = _invoices(clean)

    crashed = _copy(seeded, tmp_path / "crashed")
    # Thirteen customers in chunks of four: stopped inside the 2nd chunk's
    # transaction, its drafts written but not committed.
    process = _share(crashed, 2)
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == "paused":
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    first, second, *rest = _chunks(crashed)
    assert first[1] == "done"
    assert second[1:] == ("queued", 0)  # nothing of it was kept
    assert [row[1] for row in rest] == ["queued"] * len(rest)
    assert len(_invoices(crashed)[0]) == first[2]  # only the first chunk's drafts

    # The next worker (the killed job run again) takes it up and finishes.
    again = _share(crashed, 0)
    out, _err = again.communicate(timeout=300)
    assert again.returncode == 0, out
    assert {row[1] for row in _chunks(crashed)} == {"issued"}
    assert _invoices(crashed) == expected
