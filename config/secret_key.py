"""The SECRET_KEY that signs sessions, CSRF tokens and password-reset links.

A deployment sets SCFM_SECRET_KEY. An embedded install on one machine (`make run`) needs no
configuration: it generates a random key on first start and keeps it in var/, so no two installs
share a key and sessions survive restarts. There is deliberately no built-in default: a key in the
source code signs sessions anyone can forge.
"""

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def is_local_url(url: str) -> bool:
    """Return whether `url` points at this machine only (the embedded install's default)."""
    host = (urlsplit(url).hostname or "").lower()
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")


def stored_secret_key(path: Path) -> str:
    """Return the key kept at `path`, creating it (readable by its owner only) on first use.

    Several processes may start together (web, engine, simulator): the first to create the file
    writes the key, the others read it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if not key:
            raise ImproperlyConfigured(f"{path} is empty: delete it to have a new key generated") from None
        return key
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def secret_key(*, configured: str, public_url: str, var_dir: Path) -> str:
    """Return the configured key, else the embedded install's stored one; refuse to guess for a deployment."""
    if configured:
        return configured
    if not is_local_url(public_url):
        raise ImproperlyConfigured(
            f"SCFM_SECRET_KEY is not set. This installation is served at {public_url}, so it needs its own "
            "secret key: set SCFM_SECRET_KEY to a long random string (for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`) and keep it secret."
        )
    return stored_secret_key(var_dir / "secret_key")
