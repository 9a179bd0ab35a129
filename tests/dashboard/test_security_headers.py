"""Response headers a browser enforces: a Content-Security-Policy allowing only the site's own files,
no MIME sniffing, no referrer to other sites, no framing; HSTS and secure cookies over HTTPS."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scfm

pytestmark = pytest.mark.django_db

TEMPLATES = Path(scfm.__file__).parent


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in header.split("; ") if part}


@pytest.mark.parametrize("path", ["/users/sign_in", "/dashboard/callouts", "/dashboard/contacts"])
def test_dashboard_pages_allow_only_the_sites_own_scripts_and_styles(client, member_client, path):
    response = (client if path == "/users/sign_in" else member_client).get(path)
    assert response.status_code == 200
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert "script-src" not in policy and "style-src" not in policy  # both fall back to 'self'
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response  # plain HTTP here


def test_the_api_answers_with_the_same_headers(api):
    response = api.get("/api/contacts")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_no_template_holds_an_inline_script_or_style():
    # The policy would block them: behaviour lives in dashboard.js, looks in dashboard.css.
    offenders = []
    for template in TEMPLATES.glob("*/templates/**/*.html"):
        text = re.sub(r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", template.read_text(), flags=re.S)
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\sstyle=|<style", text):
            offenders.append(str(template.relative_to(TEMPLATES)))
        if re.search(r"\son[a-z]+=", text):  # onclick=…, onsubmit=…
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []


def settings_served_at(public_url: str) -> dict:
    """Import the settings in a fresh interpreter, as a process started with this URL would."""
    code = (
        "import json; from config import settings as s; print(json.dumps({"
        "'hsts': getattr(s, 'SECURE_HSTS_SECONDS', 0), 'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None),"
        "'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE}))"
    )
    env = {
        "SCFM_PUBLIC_URL": public_url,
        "SCFM_SECRET_KEY": "k" * 50,
        "PATH": "/usr/bin:/bin",
        "SCFM_VAR_DIR": "/tmp/scfm-settings-test",
    }
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=TEMPLATES.parent,
    ).stdout
    return json.loads(output)


def test_https_turns_on_hsts_and_secure_cookies():
    served = settings_served_at("https://scfm.example.org")
    assert served["hsts"] == 365 * 24 * 60 * 60
    assert served["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert served["session"] is True and served["csrf"] is True
    plain = settings_served_at("http://127.0.0.1:8000")
    assert (plain["hsts"], plain["session"], plain["csrf"]) == (0, False, False)


def test_hsts_is_sent_on_requests_that_came_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/users/sign_in", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=3600"
