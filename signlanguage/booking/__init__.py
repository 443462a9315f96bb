"""The booking half of signlanguage: getting a customer to an operator.

Shifts and opening hours (availability), bookings and their e-mails and calendar files, the
talk-now queue and the operator's queue, the public help page. It knows nothing of what happens
once a session is live: that is signlanguage.live, which may use this half, never the reverse
(an import contract in pyproject.toml)."""
