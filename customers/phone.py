"""Phone numbers in E.164, so every way of typing a number finds the same customer."""

import re

import phonenumbers

DEFAULT_REGION = "DE"


def normalize(raw: str) -> str:
    """'0211/123 45 67', '+49 211 1234567', '0049211…' → '+492111234567'; '' if it is no number."""
    if not raw or not raw.strip():
        return ""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digits_for_partial_match(raw: str) -> str:
    """The national digits of a number typed only partly ('0211 12' → '21112')."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0049"):
        digits = digits[4:]
    elif digits.startswith("49") and raw.strip().startswith("+"):
        digits = digits[2:]
    return digits.lstrip("0")
