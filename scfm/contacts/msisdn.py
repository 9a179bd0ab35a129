"""Phone number normalisation: E.164 with a leading '+', as the reference stores them."""

import re
import unicodedata

import phonenumbers

_NON_DIGITS = re.compile(r"[^0-9]")
# An extension after the number: `ext. 5`, `extension 5`, `x5`, `;ext=5`, `#5`, `,5` (a pause then
# keys). Its digits would otherwise be glued onto the number's and dial someone else.
_EXTENSION = re.compile(r"(?i)[0-9].*?(?:ext\w*|x|#|;|,)\W*[0-9]+\W*$")
EXTENSION_MESSAGE = "must not have an extension"


def ascii_digits(raw: str) -> str:
    """Return `raw` with every decimal digit (Arabic-Indic, full-width, Khmer, ...) written as 0-9.

    People and spreadsheets write numbers in their own script; each is the same number as its
    ASCII form and must be stored (and dialed) as one.
    """
    if raw.isascii():
        return raw
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in raw)


def has_extension(raw: object) -> bool:
    """Return whether `raw` carries an extension after the number (`+85512345679 ext. 5`)."""
    return isinstance(raw, str) and bool(_EXTENSION.search(ascii_digits(raw)))


def normalize_msisdn(raw: object) -> str:
    """Return `raw` as '+' followed by its ASCII digits (`"(855) 97 2345 678"` → `"+855972345678"`).

    Numbers are read as international: a leading 0 or 00 trunk/exit prefix is dropped the way
    phony does, so `0085597...` becomes `+85597...`. Callers refuse numbers with an extension
    (`has_extension`) first: its digits would be appended here.
    """
    if raw is None:
        return ""
    digits = _NON_DIGITS.sub("", ascii_digits(str(raw)))
    if digits.startswith("00"):
        digits = digits[2:]
    return f"+{digits}" if digits else ""


def is_plausible_msisdn(msisdn: str) -> bool:
    """Return whether a normalised number is a possible number of its country's numbering plan."""
    if not msisdn or not msisdn.startswith("+") or len(msisdn) < 4:
        return False
    try:
        number = phonenumbers.parse(msisdn, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)
