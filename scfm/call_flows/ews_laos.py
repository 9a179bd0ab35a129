"""`CallFlowLogic::EWSLaosRegistration`: register a caller for early warnings of a Lao district (§10.7).

    answered → playing_introduction → gathering_province → gathering_district → playing_conclusion
    → finished; `*` in either gathering state goes back to gathering_province, an invalid or
    missing choice asks the same question again.

A valid district records it on the contact, whose `registered_districts` gathers every district
the caller ever registered for (the API filters contacts on it).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from scfm.call_flows import ivr

NAME = "CallFlowLogic::EWSLaosRegistration"
T = TypeVar("T")


@dataclass(frozen=True)
class Province:
    code: str
    name_en: str
    name_lo: str


@dataclass(frozen=True)
class District:
    code: str
    province: Province
    name_en: str
    name_lo: str

    @property
    def address_en(self) -> str:
        return f"{self.name_en} District, {self.province.name_en} Province"

    @property
    def address_lo(self) -> str:
        return f"ເມືອງ{self.name_lo} ແຂວງ{self.province.name_lo}"


# Codes and English names are the reference's. The Lao names are transcribed from the reference's
# implementation too; they have not been checked against an official Lao gazetteer.
SALAVAN = Province("14", "Salavan", "ສາລະວັນ")
CHAMPASAK = Province("16", "Champasak", "ຈຳປາສັກ")
ATTAPEU = Province("17", "Attapeu", "ອັດຕະປື")
PROVINCE_MENU = (SALAVAN, CHAMPASAK, ATTAPEU)  # digit n selects the n-th

DISTRICTS = (
    District("1401", SALAVAN, "Saravane", "ສາລະວັນ"),
    District("1402", SALAVAN, "Ta Oy", "ຕະໂອ້ຍ"),
    District("1403", SALAVAN, "Toumlane", "ຕຸ້ມລານ"),
    District("1404", SALAVAN, "Lakhonepheng", "ລະຄອນເພັງ"),
    District("1405", SALAVAN, "Vapy", "ວາປີ"),
    District("1406", SALAVAN, "Khongsedone", "ຄົງເຊໂດນ"),
    District("1407", SALAVAN, "Lao Ngam", "ເລົ່າງາມ"),
    District("1408", SALAVAN, "Sa Mouay", "ສະມ້ວຍ"),
    District("1601", CHAMPASAK, "Pakse", "ປາກເຊ"),
    District("1602", CHAMPASAK, "Sanasomboun", "ຊະນະສົມບູນ"),
    District("1603", CHAMPASAK, "Batiengchaleunsouk", "ບາຈຽງຈະເລີນສຸກ"),
    District("1604", CHAMPASAK, "Paksong", "ປາກຊ່ອງ"),
    District("1605", CHAMPASAK, "Pathouphone", "ປະທຸມພອນ"),
    District("1606", CHAMPASAK, "Phonthong", "ໂພນທອງ"),
    District("1607", CHAMPASAK, "Champassack", "ຈຳປາສັກ"),
    District("1608", CHAMPASAK, "Soukhoumma", "ສຸຂຸມາ"),
    District("1609", CHAMPASAK, "Mounlapamok", "ມູນລະປະໂມກ"),
    District("1610", CHAMPASAK, "Khong", "ໂຂງ"),
    District("1701", ATTAPEU, "Saysetha", "ໄຊເຊດຖາ"),
    District("1702", ATTAPEU, "Samakkhixay", "ສາມັກຄີໄຊ"),
    District("1703", ATTAPEU, "Sanamxay", "ສະໜາມໄຊ"),
    District("1704", ATTAPEU, "Phouvong", "ພູວົງ"),
)


def districts_of(province_code: str) -> list[District]:
    """The district menu of a province: its districts sorted by code, digit n selecting the n-th."""
    return sorted((d for d in DISTRICTS if d.province.code == province_code), key=lambda d: d.code)


def prompt(name: str) -> str:
    return ivr.audio_url(f"ews_laos_registration/{name}-lao.mp3")


def menu_choice(options: Sequence[T], pressed: int) -> T | None:
    return options[pressed - 1] if 1 <= pressed <= len(options) else None


def ask_province() -> ivr.Step:
    return ivr.Step(ivr.gather(prompt("select_province")), to="gathering_province")


def answered(call: ivr.Call) -> ivr.Step:
    introduction = ivr.play_and_continue(call.current_url, prompt("introduction"))
    return ivr.Step(introduction, to="playing_introduction")


def playing_introduction(call: ivr.Call) -> ivr.Step:
    return ask_province()


def gathering_province(call: ivr.Call) -> ivr.Step:
    province = menu_choice(PROVINCE_MENU, call.pressed)
    if province is None:  # an invalid or missing choice, or `*`: the same menu again
        return ask_province()
    return ivr.Step(
        ivr.gather(prompt(province.code)),
        to="gathering_district",
        call_data={"province_code": province.code, "province_name_en": province.name_en},
    )


def gathering_district(call: ivr.Call) -> ivr.Step:
    province_code = call.metadata.get("province_code")
    districts = districts_of(province_code)
    district = menu_choice(districts, call.pressed)
    if district is not None:
        return ivr.Step(
            ivr.play_and_continue(call.current_url, prompt("registration_successful")),
            to="playing_conclusion",
            call_data={"district_code": district.code, "district_name_en": district.name_en},
            contact_data=contact_registration(call.contact_metadata, district),
        )
    if call.starts_over or not districts:  # no districts: a province that is not ours, start over
        return ask_province()
    return ivr.Step(ivr.gather(prompt(province_code)))


def playing_conclusion(call: ivr.Call) -> ivr.Step:
    return ivr.Step(ivr.hangup(), to="finished")


def contact_registration(contact_metadata: dict, district: District) -> dict:
    """The contact's metadata keys a registration sets; earlier districts stay registered."""
    registered = contact_metadata.get("registered_districts")
    registered = list(registered) if isinstance(registered, list) else []
    if district.code not in registered:
        registered.append(district.code)
    return {
        "registered_districts": registered,
        "latest_district_id": district.code,
        "latest_address_en": district.address_en,
        "latest_address_lo": district.address_lo,
    }


TRANSITIONS = {
    "answered": answered,
    "playing_introduction": playing_introduction,
    "gathering_province": gathering_province,
    "gathering_district": gathering_district,
    "playing_conclusion": playing_conclusion,
}

step = ivr.table_flow(TRANSITIONS)
