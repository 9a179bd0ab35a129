"""Walk an IVR dialog through the real webhook, as a provider would: signed TwiML requests and callbacks."""

from scfm.calls.models import PhoneCall
from scfm.calls.states import PhoneCallStatus
from tests import factories
from tests.telephony.conftest import WEBHOOK_PATH, Provider, status_callback_params

AUDIO = "https://s3.ap-southeast-1.amazonaws.com/audio.somleng.org"
CURRENT_URL = f"http://testserver{WEBHOOK_PATH}"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
EMPTY_RESPONSE = f"{DECLARATION}<Response />"
HANGUP = f"{DECLARATION}<Response><Hangup /></Response>"
CALL_SID = "CA33333333333333333333333333333333"


def twiml(*verbs: str) -> str:
    return f"{DECLARATION}<Response>{''.join(verbs)}</Response>"


def play(url: str) -> str:
    return f"<Play>{url}</Play>"


def gather(*urls: str) -> str:
    return f'<Gather actionOnEmptyResult="true">{"".join(play(url) for url in urls)}</Gather>'


def redirect() -> str:
    return f"<Redirect>{CURRENT_URL}</Redirect>"


def ivr_call(account, call_flow_logic: str, *, contact_metadata: dict | None = None) -> PhoneCall:
    """An outbound call of `account` handed to the provider, on an IVR call flow logic."""
    return factories.PhoneCallFactory(
        callout_participation__callout__account=account,
        callout_participation__callout__call_flow_logic=call_flow_logic,
        callout_participation__contact__metadata=contact_metadata or {},
        call_flow_logic=call_flow_logic,
        status=PhoneCallStatus.REMOTELY_QUEUED,
        remote_call_id=CALL_SID,
        remote_direction="outbound-api",
    )


class Dialog:
    """One phone call's dialog: each `press` is the provider fetching TwiML (first fetch, Redirect
    or Gather action), `status_callback` a StatusCallback on the same URL."""

    def __init__(self, provider: Provider, phone_call: PhoneCall) -> None:
        self.provider = provider
        self.phone_call = phone_call

    def press(self, digits: str | None = None, **overrides: str) -> str:
        params = status_callback_params(self.phone_call.remote_call_id, "in-progress", **overrides)
        if digits is not None:
            params["Digits"] = digits
        return self._post(params)

    def status_callback(self, call_status: str, **overrides: str) -> str:
        params = status_callback_params(
            self.phone_call.remote_call_id,
            call_status,
            CallbackSource="call-progress-events",
            **overrides,
        )
        return self._post(params)

    def _post(self, params: dict[str, str]) -> str:
        response = self.provider.post(params)
        assert response.status_code == 201, response.content
        assert response["Content-Type"].startswith("application/xml")
        return response.content.decode()

    @property
    def metadata(self) -> dict:
        self.phone_call.refresh_from_db(fields=["metadata"])
        return self.phone_call.metadata

    @property
    def state(self) -> str | None:
        return self.metadata.get("status")

    @property
    def contact_metadata(self) -> dict:
        self.phone_call.contact.refresh_from_db(fields=["metadata"])
        return self.phone_call.contact.metadata
