"""Names of the call flow logics SCFM accepts, with their dashboard labels."""

CALL_FLOW_LOGICS: dict[str, str] = {
    "CallFlowLogic::HelloWorld": "Hello World",
    "CallFlowLogic::PlayMessage": "Play Message",
    "CallFlowLogic::PlayMessageStartRapidproFlow": "Play Message and Start RapidPro Flow",
    "CallFlowLogic::EWSRegistration": "Cambodian Early Warning System Registration",
    "CallFlowLogic::EWSLaosRegistration": "Laos Early Warning System Registration",
    "CallFlowLogic::MamaInfoRegistration": "Mama Info Registration",
}
DEFAULT_CALL_FLOW_LOGIC = "CallFlowLogic::HelloWorld"


def is_registered(name: object) -> bool:
    return isinstance(name, str) and name in CALL_FLOW_LOGICS
