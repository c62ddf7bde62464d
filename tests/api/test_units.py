"""The shipped systemd units pass `systemd-analyze verify` (with ExecStart pointed at the build)."""
import os
import shutil
import subprocess
import tempfile

TOP = os.path.dirname(os.path.abspath(os.environ["STACK"]))


def test_systemd_units_verify():
    if shutil.which("systemd-analyze") is None:
        raise AssertionError("systemd-analyze is missing (Debian package systemd)")
    units = sorted(f for f in os.listdir(os.path.join(TOP, "systemd")) if "." in f)
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for u in units:
            with open(os.path.join(TOP, "systemd", u)) as f:
                text = f.read().replace("/usr/local/bin/", TOP + "/")
            paths.append(os.path.join(d, u))
            with open(paths[-1], "w") as f:
                f.write(text)
        r = subprocess.run(["systemd-analyze", "verify", *paths], capture_output=True, text=True)
        # Unknown keys are only warnings: any output at all is a failure.
        assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
        for p in paths:
            if p.endswith(".service"):
                r = subprocess.run(["systemd-analyze", "security", "--offline=true",
                                    "--threshold=25", p], capture_output=True, text=True)
                assert r.returncode == 0, r.stdout[-600:]
