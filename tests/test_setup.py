"""`make test` brings the system browser its tests need (.ci/chromium), or says in one line why not."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT

SCRIPT = ROOT / ".ci" / "chromium"


def run(tmp_path, *, uid: int, tools: dict[str, str]):
    """.ci/chromium with no chromium, as user ``uid``, with fake commands (each a shell body) on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in {"id": f"echo {uid}", **tools}.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "CHROMIUM": str(tmp_path / "no-chromium")}
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)


def test_root_installs_chromium_with_apt_get(tmp_path):
    log = tmp_path / "apt.log"
    out = run(tmp_path, uid=0, tools={"apt-get": f'echo "$@" >> {log}'})
    assert out.returncode == 0
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]


def test_a_user_without_sudo_is_told_in_one_line(tmp_path):
    log = tmp_path / "apt.log"
    out = run(tmp_path, uid=1000, tools={"apt-get": f'echo "$@" >> {log}', "sudo": "exit 1"})
    assert out.returncode == 0 and not log.exists()
    assert out.stdout.count("\n") == 1 and "browser tests will be skipped" in out.stdout


def test_nothing_to_do_when_chromium_is_there(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    out = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "CHROMIUM": str(chromium)})
    assert out.returncode == 0 and out.stdout == ""
