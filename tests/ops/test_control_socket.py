"""Two web servers on one machine keep their own gunicorn control sockets
(under the var directory), instead of overwriting one in the home directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess

from tests.ops.processes import BIN, SUPPORTLEDGER, env_for, free_port, port_open, wait_until


def test_two_servers_on_one_machine_each_keep_their_control_socket(tmp_path):
    env = env_for(tmp_path / "var", HOME=str(tmp_path / "home"))
    env.pop("XDG_RUNTIME_DIR", None)
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [SUPPORTLEDGER, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for port in ports
    ]
    try:
        run = tmp_path / "var" / "run"
        sockets = [run / f"web-127.0.0.1-{port}" / "gunicorn.ctl" for port in ports]
        for port, path in zip(ports, sockets, strict=True):
            wait_until(f"server on {port}", lambda port=port: port_open(port))
            wait_until(f"control socket {path}", path.is_socket)
        assert not (tmp_path / "home" / ".gunicorn").exists()
        for path in sockets:
            pid = (path.parent / "gunicorn.pid").read_text().strip()
            shown = subprocess.run(
                [str(BIN / "gunicornc"), "-s", str(path), "-c", "show stats", "-j"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout
            # Each socket answers for its own server.
            assert json.loads(shown)["pid"] == int(pid)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=60)
