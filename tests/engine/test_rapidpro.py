import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scfm.engine import rapidpro
from tests import factories

pytestmark = pytest.mark.django_db

LOGIC = "CallFlowLogic::PlayMessageStartRapidproFlow"


@pytest.fixture
def fake_rapidpro(settings):
    """A local RapidPro that records flow starts and answers 201."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
            payload = json.dumps({"uuid": "start-1", "status": "pending"}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SCFM_RAPIDPRO_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    yield received
    server.shutdown()


def completed_call(**callout_settings):
    return factories.PhoneCallFactory(
        call_flow_logic=LOGIC,
        status="completed",
        callout_participation__callout__settings=callout_settings,
    )


def test_starts_the_flow_once_for_a_completed_call(fake_rapidpro):
    call = completed_call(rapidpro={"flow_id": "flow-uuid", "api_token": "secret"})
    assert rapidpro.tick()
    assert not rapidpro.tick()
    assert fake_rapidpro == [
        {
            "path": "/api/v2/flow_starts.json",
            "auth": "Token secret",
            "body": {"flow": "flow-uuid", "urns": [f"tel:{call.msisdn}"]},
        }
    ]
    call.refresh_from_db()
    assert call.metadata["rapidpro"]["start_flow_response_status"] == 201
    assert call.metadata["rapidpro"]["start_flow_response_body"] == {"uuid": "start-1", "status": "pending"}
    assert call.metadata["rapidpro"]["flow_started_at"]


def test_account_settings_are_the_fallback(fake_rapidpro):
    call = completed_call()
    call.account.settings = {**call.account.settings, "rapidpro": {"flow_id": "f2", "api_token": "t2"}}
    call.account.save()
    rapidpro.tick()
    assert fake_rapidpro[0]["body"]["flow"] == "f2"


def test_nothing_is_sent_without_configuration_or_for_other_calls(fake_rapidpro):
    completed_call()
    factories.PhoneCallFactory(call_flow_logic=LOGIC, status="busy")
    factories.PhoneCallFactory(call_flow_logic="CallFlowLogic::PlayMessage", status="completed")
    rapidpro.tick()
    assert not rapidpro.tick()
    assert fake_rapidpro == []


def test_an_unreachable_rapidpro_is_recorded_not_retried(settings):
    settings.SCFM_RAPIDPRO_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    call = completed_call(rapidpro={"flow_id": "f", "api_token": "t"})
    rapidpro.tick()
    call.refresh_from_db()
    assert "start_flow_error" in call.metadata["rapidpro"]
    assert not rapidpro.tick()
