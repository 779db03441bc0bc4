"""Seed data: the theme taxonomy and the five founding partners (plus marked demo partners)."""

from desk.requests.vocabulary import THEMES

FLEMISH_PROVINCES = ["10000", "20001", "30000", "40000", "70000"]
BRUSSELS = "04000"
DEMO_WEIGHT = 0.18

THEME_LABELS = [  # in the order of desk/requests/vocabulary.py THEMES
    # slug, nl, fr, en
    ("buddy", "Buddy- en duowerking", "Accompagnement en binôme",
     "One-to-one buddy and companion schemes"),
    ("netwerk", "Persoonlijke netwerkversterking (lusgroep, Eigen Kracht-conferentie)",
     "Renforcement du réseau personnel", "Strengthening a person's own network"),
    ("lotgenoten", "Lotgenotenwerking", "Groupes d'entraide entre pairs", "Peer-support groups"),
    ("eenzaamheid", "Eenzaamheid en sociaal isolement", "Solitude et isolement social",
     "Loneliness and isolation"),
    ("buurt", "Zorgzame buurten en community building", "Quartiers solidaires et bienveillants",
     "Caring neighbourhoods"),
    ("mantelzorg", "Mantelzorg en informele zorg", "Aidants proches et soins informels",
     "Informal carers and respite"),
    ("armoede", "(Kans)armoede", "Pauvreté et précarité", "Poverty"),
    ("psychisch", "Psychische kwetsbaarheid en kwartiermaken",
     "Vulnérabilité psychique et inclusion", "Mental-health inclusion and recovery"),
    ("beperking", "Personen met een beperking en zorggezinnen",
     "Personnes en situation de handicap et familles",
     "Disability, families with a child with a disability"),
    ("gezinnen", "Kwetsbare gezinnen en opvoedingsondersteuning",
     "Familles vulnérables et soutien à la parentalité",
     "Vulnerable families and parenting support"),
    ("nieuwkomers", "Vluchtelingen en nieuwkomers", "Réfugiés et primo-arrivants",
     "Refugees and newcomers"),
    ("engagement", "Vrijwillig engagement en burgerinitiatieven",
     "Engagement bénévole et initiatives citoyennes",
     "Volunteering and citizens' initiatives"),
    ("beleid", "Lokaal sociaal beleid", "Politique sociale locale",
     "Local social policy (for councils)"),
]

PARTNERS = [
    {
        "slug": "lus",
        "name": "Lus vzw",
        "description": "Lusgroepen rond één persoon, linkgroepen voor wie ergens wil horen, "
        "vertrouwenspersonen voor jongeren in de jeugdhulp, zorgzame buurten; coördineert "
        "BurgersAanZet.",
        "covers_all": True,
        "languages": ["nl", "fr", "en"],
        "capacity": 40,
        "expertise": {"netwerk": 1.0, "eenzaamheid": 0.8, "buurt": 0.8, "psychisch": 0.6,
                      "mantelzorg": 0.5, "engagement": 0.6, "beleid": 0.6, "gezinnen": 0.3},
    },
    {
        "slug": "armentekort",
        "name": "ArmenTeKort",
        "description": "Buddytrajecten van twee jaar: opgeleide vrijwilligers naast mensen in "
        "(generatie)armoede.",
        "provinces": ["10000"],
        "languages": ["nl"],
        "capacity": 25,
        "expertise": {"armoede": 1.0, "buddy": 0.9, "eenzaamheid": 0.4, "engagement": 0.4,
                      "nieuwkomers": 0.3},
    },
    {
        "slug": "domo",
        "name": "Domo vzw, Home-Start",
        "description": "Eén vrijwilliger bezoekt wekelijks één kwetsbaar gezin met kinderen "
        "(zwangerschap tot 12 jaar): een vriend aan huis.",
        "municipalities": ["leuven", "antwerpen", "hasselt", "sint-niklaas", "aalst",
                           "beringen", "brussel", "malle", "zoersel", "schilde", "brecht",
                           "zandhoven"],
        "languages": ["nl", "fr"],
        "capacity": 30,
        "expertise": {"gezinnen": 1.0, "buddy": 0.5, "armoede": 0.4, "nieuwkomers": 0.4,
                      "eenzaamheid": 0.3},
    },
    {
        "slug": "eigen-kracht",
        "name": "Eigen Kracht Centrale",
        "description": "Eigen Kracht-conferenties: het eigen netwerk van een persoon maakt "
        "het plan, met vrijwillige coördinatoren.",
        "provinces": FLEMISH_PROVINCES,
        "languages": ["nl"],
        "capacity": 25,
        "expertise": {"netwerk": 1.0, "gezinnen": 0.6, "mantelzorg": 0.5, "psychisch": 0.4,
                      "beleid": 0.3},
    },
    {
        "slug": "magenta",
        "name": "Magenta",
        "description": "Lotgenotencontact en vorming voor ouders van kinderen met een "
        "beperking, chronische ziekte of ontwikkelingsprobleem (zorggezinnen).",
        "provinces": FLEMISH_PROVINCES,
        "languages": ["nl"],
        "capacity": 25,
        "expertise": {"beperking": 1.0, "lotgenoten": 0.9, "gezinnen": 0.5, "mantelzorg": 0.6},
    },
    # Demo partners: made up, for trying the desk; marked is_demo.
    {
        "slug": "demo-buurtwerk-gent",
        "name": "Buurtwerk Gent (demo)",
        "description": "Demopartner: buurtwerk en burgerinitiatieven in Gent.",
        "municipalities": ["gent"],
        "languages": ["nl", "en"],
        "capacity": 10,
        "demo": True,
        "expertise": {"buurt": 1.0, "engagement": 0.9, "eenzaamheid": 0.5, "nieuwkomers": 0.5},
    },
    {
        "slug": "demo-mantelzorg-limburg",
        "name": "Mantelzorgpunt Limburg (demo)",
        "description": "Demopartner: ondersteuning van mantelzorgers in Limburg.",
        "provinces": ["70000"],
        "languages": ["nl"],
        "capacity": 10,
        "demo": True,
        "expertise": {"mantelzorg": 1.0, "lotgenoten": 0.6, "eenzaamheid": 0.4},
    },
    {
        "slug": "demo-entraide-bruxelles",
        "name": "Entraide Bruxelles (démo)",
        "description": "Partenaire de démonstration : entraide et accueil des primo-arrivants "
        "à Bruxelles.",
        "provinces": [BRUSSELS],
        "languages": ["fr", "nl", "en"],
        "capacity": 10,
        "demo": True,
        "expertise": {"nieuwkomers": 1.0, "armoede": 0.6, "buddy": 0.5, "eenzaamheid": 0.4},
    },
    # One demo volunteer point per Flemish province and Brussels that takes every theme, a little
    # (weight 0.18: a request fits it at 0.18, above routing's 0.15 and below every founding
    # partner that works on the question), so that whatever a newcomer tries on `make run` is
    # offered within seconds.
    *({
        "slug": f"demo-vrijwilligerspunt-{slug}",
        "name": f"{name} (demo)",
        "description": "Demopartner: een vrijwilligerspunt dat elke vraag uit de provincie "
        "opneemt, om de desk te proberen." if province != BRUSSELS else
        "Partenaire de démonstration / demopartner: un point bénévole qui prend toute demande "
        "de Bruxelles.",
        "provinces": [province],
        "languages": ["fr", "nl", "en"] if province == BRUSSELS else ["nl", "en"],
        "capacity": 20,
        "demo": True,
        "expertise": dict.fromkeys(THEMES, DEMO_WEIGHT),
    } for slug, name, province in (
        ("antwerpen", "Vrijwilligerspunt Antwerpen", "10000"),
        ("vlaams-brabant", "Vrijwilligerspunt Vlaams-Brabant", "20001"),
        ("west-vlaanderen", "Vrijwilligerspunt West-Vlaanderen", "30000"),
        ("oost-vlaanderen", "Vrijwilligerspunt Oost-Vlaanderen", "40000"),
        ("limburg", "Vrijwilligerspunt Limburg", "70000"),
        ("brussel", "Point bénévole Bruxelles / Vrijwilligerspunt Brussel", BRUSSELS),
    )),
]
