"""Which zone(s) a contact's calling window is read in (scfm.contacts.time_zones)."""

from scfm.contacts.time_zones import contact_zone_names, number_zone_names

CAMBODIA = "+855972345678"
NEW_YORK_NUMBER = "+12125551234"
RUSSIAN_MOBILE = "+79161234567"  # phonenumbers gives every Russian zone for a mobile number


def test_the_contact_metadata_time_zone_comes_first():
    names = contact_zone_names(msisdn=CAMBODIA, contact_time_zone="Europe/Paris", account_time_zone="UTC")
    assert names == ("Europe/Paris",)


def test_an_unknown_metadata_zone_is_ignored():
    names = contact_zone_names(msisdn=CAMBODIA, contact_time_zone="Mars/Base", account_time_zone=None)
    assert names == ("Asia/Phnom_Penh",)


def test_the_number_region_gives_the_zone():
    assert number_zone_names(NEW_YORK_NUMBER) == ("America/New_York",)
    assert contact_zone_names(
        msisdn=NEW_YORK_NUMBER, contact_time_zone=None, account_time_zone="Asia/Tokyo"
    ) == ("America/New_York",)


def test_a_region_of_several_zones_uses_the_account_zone_when_it_is_one_of_them():
    names = contact_zone_names(msisdn=RUSSIAN_MOBILE, contact_time_zone=None, account_time_zone="Asia/Omsk")
    assert names == ("Asia/Omsk",)


def test_a_region_of_several_zones_keeps_them_all_otherwise():
    names = contact_zone_names(msisdn=RUSSIAN_MOBILE, contact_time_zone=None, account_time_zone="Asia/Tokyo")
    assert len(names) > 5
    assert "Europe/Moscow" in names and "Asia/Vladivostok" in names


def test_no_region_falls_back_to_the_account_zone_then_utc():
    unknown = "+80012345678"  # an international freephone number: no region
    assert contact_zone_names(msisdn=unknown, contact_time_zone=None, account_time_zone="Asia/Tokyo") == (
        "Asia/Tokyo",
    )
    assert contact_zone_names(msisdn=unknown, contact_time_zone=None, account_time_zone=None) == ("UTC",)
    assert contact_zone_names(msisdn="1234", contact_time_zone=None, account_time_zone="Nope") == ("UTC",)
