"""The words every part of the desk shares about a request, written once: who asks, in which
language, about which theme, and through which door. Labels for people are elsewhere (the
themes' names in three languages are seeded from desk/seed/data.py; workspace/labels.py)."""

# Who asks: a citizen, an association, a local council, a professional.
KINDS = ("burger", "vereniging", "bestuur", "professional")
# These ask on behalf of an organisation, and name it.
NEEDS_ORGANISATION = ("vereniging", "bestuur")
# Dutch first, also French and English.
LANGUAGES = ("nl", "fr", "en")
# The doors a request comes in by; "staff": a coordinator or the central team filed it for a
# person met by phone or at a counter.
SOURCES = ("form", "api", "email", "staff")
# How a person wants to hear from the desk. Only "email" is sent by the desk itself; the rest
# become tasks for the staff member who holds the request (desk/contact), until a channel such
# as SMS is configured (desk/contact/channels.py).
REACH_BY = ("email", "phone", "post", "organisation")
# How the person agreed to the privacy notice: themselves (form, API, mail), or aloud to the
# staff member who filed for them (help_requests.filed_by_id took it).
CONSENT_HOW = ("self", "verbal")
# The themes the partners work on, in the order staff see them.
THEMES = ("buddy", "netwerk", "lotgenoten", "eenzaamheid", "buurt", "mantelzorg", "armoede",
          "psychisch", "beperking", "gezinnen", "nieuwkomers", "engagement", "beleid")
# Why a partner declines an offer (and its own words besides).
DECLINE_REASONS = ("no_capacity", "not_our_expertise", "not_our_area", "other")
# Why a request waits for the central team (help_requests.triage_reason; labels for people in
# workspace/labels.py): the reader doubted, or routing found no partner, or the person said they
# were not helped.
TRIAGE_REASONS = ("crisis", "too_little", "unsure", "close_call", "outside_area", "not_read",
                  "no_partner", "no_fit", "language", "none_left", "limit", "not_helped")
# Of those, the ones where the network had no partner for the need (reports: unmet need).
UNMET = ("no_partner", "no_fit", "language", "none_left", "limit")
# What came of a request a partner resolved.
OUTCOMES = ("helped", "helped_partly", "referred", "unreachable", "not_what_needed",
            "no_longer_needed")
