"""Who is calling: the caller lookup's customers for a number (used when a call is reported and
when it is shown)."""

from customers.phone import digits_for_partial_match
from customers.selectors import caller_lookup


def caller_matches(phone: str) -> list[dict]:
    """The customers the number belongs to, as the caller lookup finds them, each with the contact
    whose number it is (or None: the customer's own number)."""
    digits = digits_for_partial_match(phone)
    found = []
    for customer in caller_lookup(phone):
        contact = next(
            (
                c
                for c in customer.contacts.all()
                if digits and digits_for_partial_match(c.phone).endswith(digits)
            ),
            None,
        )
        found.append({"customer": customer, "contact": contact})
    return found
