"""No shared secret default: a local install generates its own key once, a deployment must set one."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.secret_key import is_local_url, secret_key

ROOT = Path(__file__).resolve().parents[2]


def test_a_local_install_generates_a_key_once_and_keeps_it_private(tmp_path):
    first = secret_key(configured="", public_url="http://127.0.0.1:8000", var_dir=tmp_path)
    again = secret_key(configured="", public_url="http://localhost:8000", var_dir=tmp_path)
    assert first == again and len(first) >= 50
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    other_install = secret_key(configured="", public_url="http://127.0.0.1:8000", var_dir=tmp_path / "other")
    assert other_install != first


def test_a_deployment_without_a_key_refuses_to_start_with_a_clear_message(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SCFM_SECRET_KEY is not set"):
        secret_key(configured="", public_url="https://scfm.example.org", var_dir=tmp_path)
    assert not (tmp_path / "secret_key").exists()
    assert (
        secret_key(configured="k" * 50, public_url="https://scfm.example.org", var_dir=tmp_path) == "k" * 50
    )


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.1.2.3", True),
        ("http://[::1]:8000", True),
        ("http://scfm.localhost", True),
        ("http://10.0.0.5:8000", False),
        ("https://scfm.example.org", False),
        ("http://127.0.0.1.example.org", False),
    ],
)
def test_what_counts_as_this_machine(url, local):
    assert is_local_url(url) is local


def test_the_settings_module_refuses_a_deployment_without_a_key(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "SCFM_VAR_DIR": str(tmp_path),
        "SCFM_PUBLIC_URL": "https://scfm.example.org",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SCFM_SECRET_KEY is not set" in result.stderr
