"""Each event on a request's timeline in a few words, as staff read it (and the person, on the
page of everything the desk keeps about their request, for the steps not written for them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EVENT_WORDS = {
    "received": _l("Ingediend"),
    "classified": _l("Gelezen door de desk"),
    "offered": _l("Voorgelegd aan een partner"),
    "accepted": _l("Aanvaard"),
    "offer_declined": _l("Geweigerd"),
    "offer_expired": _l("Niet beantwoord binnen de termijn"),
    "offer_withdrawn": _l("Aanbod ingetrokken"),
    "to_triage": _l("Naar het centrale team"),
    "handed_off": _l("Doorgegeven aan een andere partner"),
    "rerouted": _l("Opnieuw toegewezen"),
    "resolved": _l("Afgerond"),
    "reopened": _l("Heropend"),
    "waiting": _l("Wacht op de aanvrager"),
    "resumed": _l("Wacht niet meer op de aanvrager"),
    "withdrawn": _l("Ingetrokken door de aanvrager"),
    "marked_spam": _l("Als spam gemarkeerd"),
    "spam_restored": _l("Geen spam: terug in behandeling"),
    "themes_corrected": _l("Thema's verbeterd"),
    "closed_out_of_scope": _l("Afgesloten met doorverwijzing"),
    "merged_into": _l("Samengevoegd met"),
    "merged_from": _l("Een dubbele vraag werd hierbij gevoegd"),
    "requester_message": _l("Bericht van de aanvrager"),
    "message_to_requester": _l("Bericht aan de aanvrager"),
    "note": _l("Interne notitie"),
    "partner_mail": _l("E-mail van een partner (intern)"),
    "central_mail": _l("E-mail aan de desk (intern)"),
    "mail_bounced": _l("E-mail kwam niet aan"),
    "crisis_handled": _l("Crisis opgevolgd door het centrale team"),
    "called": _l("Gebeld met de aanvrager"),
    "erased": _l("Gegevens gewist op vraag van de aanvrager"),
    "anonymised": _l("Geanonimiseerd (bewaartermijn verstreken)"),
    "follow_up_answered": _l("Goed geholpen? De aanvrager antwoordde"),
    "first_contact": _l("Eerste contact met de aanvrager"),
}
