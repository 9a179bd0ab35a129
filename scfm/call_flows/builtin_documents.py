"""Built-in registration menus written in the call flow language, from the same tables they run on.

`ews_laos_document()` is `CallFlowLogic::EWSLaosRegistration` as data: the same prompts (at the
configured `SCFM_IVR_AUDIO_URL`), the same menus and the same contact metadata; tests walk both
with the same digits and compare. It also shows the language at full size: 3 province menus, 22
districts, the `*` key to start over.
"""

from typing import Any

from scfm.call_flows import ews_laos


def ews_laos_document() -> dict[str, Any]:
    steps: list[dict[str, Any]] = [
        {"id": "introduction", "type": "play", "audio": _lao("introduction"), "next": "after_introduction"},
        {"id": "after_introduction", "type": "redirect", "next": "province"},
        {
            "id": "province",
            "type": "gather",
            "prompts": [{"type": "play", "audio": _lao("select_province")}],
            "branches": {
                str(digit): f"districts_{province.code}"
                for digit, province in enumerate(ews_laos.PROVINCE_MENU, start=1)
            },
        },
    ]
    for province in ews_laos.PROVINCE_MENU:
        districts = ews_laos.districts_of(province.code)
        branches = {
            str(digit): f"register_{district.code}" for digit, district in enumerate(districts, start=1)
        }
        steps.append(
            {
                "id": f"districts_{province.code}",
                "type": "gather",
                "prompts": [{"type": "play", "audio": _lao(province.code)}],
                "branches": {**branches, "*": "province"},
            }
        )
    for province in ews_laos.PROVINCE_MENU:
        for district in ews_laos.districts_of(province.code):
            steps += [
                {
                    "id": f"register_{district.code}",
                    "type": "append_metadata",
                    "key": "registered_districts",
                    "value": district.code,
                    "unique": True,
                    "next": f"address_{district.code}",
                },
                {
                    "id": f"address_{district.code}",
                    "type": "set_metadata",
                    "values": {
                        "latest_district_id": district.code,
                        "latest_address_en": district.address_en,
                        "latest_address_lo": district.address_lo,
                    },
                    "next": "registered",
                },
            ]
    steps += [
        {
            "id": "registered",
            "type": "play",
            "audio": _lao("registration_successful"),
            "next": "after_registration",
        },
        {"id": "after_registration", "type": "redirect", "next": "goodbye"},
        {"id": "goodbye", "type": "hangup"},
    ]
    return {"start": "introduction", "default_language": "lo", "steps": steps}


def _lao(prompt_name: str) -> dict[str, str]:
    return {"lo": ews_laos.prompt(prompt_name)}
