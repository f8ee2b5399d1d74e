"""A ticket's history rows as the entries of DESIGN §7: who, when, from → to, field changes, reason."""

from functools import partial

from audit import history

history_entries = partial(history.history_entries, state_field="state")
