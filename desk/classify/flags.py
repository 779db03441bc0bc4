"""Crisis and spam signals that no statistics may miss or invent.

Crisis: phrases of suicidal thoughts, violence at home, abuse of a child and acute danger, in
Dutch, French and English. Missing a crisis is far worse than a false alarm, so the phrases are
broad; a few contexts (prevention policy, training, grief, money worries said strongly) are
recognised as not a crisis. The trained crisis model adds what phrasing alone would miss.
"""

from __future__ import annotations

import re

from desk.classify.text import normalise

# Matched against normalise(text): lower case, no accents, digits as 0, ’ as '. Written for
# how people write: word forms, Flemish spelling ("ni", "k", "da"), typos, and the indirect ways
# people say it. A phrase here means "someone may be in danger now"; the bare topic (the word
# "suicide" in a text about a support group) is left to the two readers in crisis.py.
_ME = r"(mezelf|m'n eigen|mijn eigen|mij|me)"
_CRISIS = {
    "suicide": [
        # Dutch: intent and thoughts, first person and about someone else
        r"\b(zelfmoord|zelfdoding|suicide) (te )?(plegen|pleeg|gepleegd|doen)\b"
        r"(?! (heeft|hebben|had|werd))",
        r"\b(denk|denken|dacht|dachten|gedachten|gedachtes|nadenken|plannen|plan|neigingen)"
        r" (\w+ ){0,3}(aan|over|om|van) (\w+ ){0,2}(zelfmoord|zelfdoding|suicide|"
        r"er (een )?einde aan|(mezelf|zichzelf|mijn leven|zijn leven|haar leven))",
        r"\b(ik|k|ben|is|zijn|was|voel|voelt) (\w+ ){0,2}suicida(al|le)\b",
        r"\b(heb|heeft|hebben|met|krijg|krijgt) (\w+ ){0,2}(zelfmoordgedachte|doodsgedachte)",
        r"\b(niet|nie|ni|geen zin) meer (te )?(willen |wil |wilt )?(leven|verder( leven)?)\b",
        r"\bwil(t|de|len)? (niet|ni|nie) meer (leven|verder|bestaan|zijn|wakker)",
        r"\b(er|d'r|der) (een )?(eind|einde|punt) aan (maken|te maken|maak|maakt|gemaakt|breien)",
        r"\b(mezelf|zichzelf|mij|me) (iets )?aan ?(te )?doen", r"\bvan kant (te )?maken",
        r"\b(uit het leven|eruit|er uit) (te )?(stappen|stap|stapt|gaan|willen)",
        r"\b(ik|k|kwil|hij|zij|ze) (\w+ ){0,2}(wil|wilt|wou|wilde) (\w+ ){0,2}dood\b",
        r"\bkwil (\w+ )?dood\b", r"\bdood (willen|wil|wilt) (zijn|gaan)", r"\bwil (gewoon )?dood\b",
        r"\bwil(de)? (er )?(niet|ni|nie) meer zijn\b", r"\bliever dood", r"\bbeter dood",
        r"\b(niet|ni|nie) meer wakker (te )?(worden|word|wordt)",
        r"\b(pillen|pilletjes|medicijnen|slaappillen|medicatie) (\w+ ){0,3}(verzameld|gespaard|"
        r"opgespaard|bijeen|klaarliggen|klaar liggen|klaargelegd|liggen klaar)",
        r"\b(alle|al mijn|een doos|een hele doos) (pillen|slaappillen|medicijnen) (in ?nemen|"
        r"innemen|slikken|pakken)",
        r"\bvan (de|een|het) (brug|dak|flat|toren) (te )?(springen|spring|af)",
        r"\bvoor (de|een) (trein|tram|auto|vrachtwagen) (te )?(springen|spring|lopen)",
        r"\bafscheidsbrie(f|ven)", r"\bafscheid (genomen|nemen|te nemen) van (iedereen|alles)",
        r"\bbrief (\w+ ){0,3}voor (als ik er niet meer ben|na mijn dood)",
        r"\b(touw|koord|strop) (\w+ ){0,2}(gekocht|klaar|opgehangen|hangen)", r"\bophangen\b",
        r"\b(alles|mijn spullen|spullen|mijn dingen|mijn kat|mijn hond) (\w+ ){0,3}"
        r"(weggeven|weggegeven|weg te geven|geregeld|geschonken)",
        r"\b(iedereen|ze|jullie|mijn kinderen|mijn familie) (\w+ ){0,2}(beter af|beter zijn) "
        r"(zonder mij|zonder hem|zonder haar|als ik)",
        r"\bbeter (af )?(zonder mij|als ik er niet (meer )?(ben|was|zou zijn))",
        r"\bbeter (zou zijn|is|was) als (ik|hij|zij|ze|we|wij) er niet (meer )?(was|waren|ben|is)",
        r"\b(geen|gene) (uitweg|uitweg meer|zin meer (in|om te|om) (leven|verder))",
        r"\bleven heeft geen zin( meer)?", r"\bgeen reden meer om (te leven|verder|op te staan)",
        r"\ber\b.{0,30}\been (eind|einde) aan\b", r"\b(er )?samen (er )?uit (te )?stap",
        r"\bniet lang (meer )?(tot last|een last)", r"\b(tot|ten) last (zijn|ben) voor iedereen",
        r"\b(armen|polsen|benen|arm|pols|dijen) (\w+ )?(gesneden|snijden|opengesneden|krassen)",
        r"\b(snij|snijd|snijdt|snijden|kras|krast) (zich|zichzelf|mezelf|me|mij)\b",
        r"\b(ik|hij|zij|ze) (\w+ ){0,2}(beschadig|beschadigt|zelfbeschadig)",
        r"\b(je|il|elle) (me|se) (scarifie|mutile)",
        r"\bals (ge|je|u|jullie) dit leest\b.{0,40}\b(niet meer|weg|te laat)",
        r"\b(samen|allebei|met hem|met haar) (uit het leven|eruit|er uit) (stappen|gaan)",
        r"\b(wil|wilt|wilde|willen) (gewoon |liever |echt |nu )?sterven\b",
        r"\bdood (wil|wilt|wou)\b",
        r"\b(mezelf|zichzelf|mij|me) (\w+ ){0,3}(te )?(doden|ombrengen|van het leven beroven)",
        r"\been (eind|einde) (\w+ )?(maken|te maken|maakt) aan (mijn|zijn|haar|m'n) leven",
        r"\b(voor|onder) (den|de|een) (trein|tram|bus) (\w+ )?(smijten|gooien|werpen|springen)",
        r"\b(niet|ni|nie) meer (wil|willen|wilt) (bestaan|leven|zijn)",
        r"\b(eigen )?begrafenis (\w+ ){0,2}(gepland|geregeld|plannen)",
        r"\b(er|ermee) (\w+ ){0,3}(mee )?(gaat|ga|wil) stoppen",
        r"\bsorry voor alles\b", r"\bzorg (goed )?voor (mama|papa|de kinderen|de kids)",
        r"\bmedicatie (\w+ ){0,2}spaart", r"\bzichzelf (iets )?(aan|aandoen)",
        # French
        r"\b(me|se|te) suicider", r"\b(je suis|il est|elle est|est|suis) (\w+ )?suicidaire",
        r"\b(je|il|elle) pens(e|es|ait)s? (\w+ ){0,2}au suicide",
        r"\b(j'ai|il a|elle a|avoir) (\w+ ){0,2}idees? (noires|suicidaires|de suicide|de mort)",
        r"\ben finir\b(?! avec (ce|cette|ces|les|la|le) )",
        r"\b(veux|veut|vais|voudrais|envie de|pense a|penser a|menace de) (me|se|te) tuer\b",
        r"\bmettre fin a (ma|mes|sa|ses|tes) (vie|jours)",
        r"\b(me|se|te) foutre en l'?air", r"\b(me|se) pendre\b",
        r"\b(plus|pas) (d'?)?envie de vivre",
        r"(?<!pas que je )(?<!pas que )\b(veux|veut|voudrais|voulais|envie de) mourir",
        r"\bne (veux|veut|voudrais) plus (vivre|etre la|me reveiller|exister)",
        r"\bplus (la )?force de (vivre|continuer)",
        r"\bmieux (sans moi|si je n'?etais (plus )?la)", r"\bplus (d'|de )?(interet|raison|sens)"
        r" (a|de) (vivre|continuer)", r"\bne vois plus l'?interet", r"\bpas d'?issue",
        r"\bsans issue\b", r"\ba quoi bon (vivre|continuer)", r"\bme (suis )?coupee?s?\b",
        r"\bsauter (du|de la|d'un|d'une|par la|sous)", r"\blettres? d'?adieu",
        r"\b(medicaments|cachets|pilules) (\w+ ){0,3}(de cote|garde|gardes|accumule|stocke)",
        r"\bplus (aucune )?raison de (vivre|me lever)", r"\bdisparaitre pour (toujours|de bon)",
        r"\bun poids pour (tout le monde|les autres|ma famille)",
        r"\b(me|se|te) (jeter|jette) (dans|sous|du|de|par|d'un|d'une)",
        r"\b(me|se|te) (faire|fait|fais) du mal", r"\b(jusqu'?au bout|dernier jour)\b",
        r"\bprenez soin de\b", r"\bdit au revoir a tout le monde",
        r"\b(voulait|veut|voudrait|dit qu'?(il|elle) veut) mourir",
        r"\b(il|elle) (va|allait|veut) (se tuer|en finir|se suicider)",
        # English
        r"\bkill(ing|ed|s)? (myself|himself|herself|themselves|themself)",
        r"\b(end|ending|ended) (my|his|her|their) (own )?life", r"\bend(ing)? it all\b",
        r"\bend(ing)? things\b", r"\b(i'?m|i am|he'?s|she'?s|is|feel|feels|feeling|been) "
        r"(\w+ )?suicidal\b", r"\b(wrote|left|found|writing) (a |his |her |my )?suicide note",
        r"\b(think|thinking|thought|thoughts) (\w+ ){0,2}(about|of) (suicide|dying|ending it)",
        r"\b(don'?t|do not|doesn'?t|does not|dont) want to (live|be alive|be here|wake up|exist)",
        r"\b(want|wish) to (die|be dead|disappear forever)\b", r"\bwanna die\b",
        r"\bbetter off dead",
        r"\btake (my|his|her) (own )?life", r"\b(hurt|hurting|harm|harming|cut|cutting) "
        r"(myself|himself|herself|themselves)", r"\b(i|he|she|they) (\w+ )?self[- ]?harm",
        r"\bbetter off without me", r"\bno (point|reason) (in )?(living|going on|to live)",
        r"\bno way out\b", r"\bcut(ting)? (my arms|my wrists|her arms|his arms)",
        r"\bgoodbye (letter|note|letters|notes)", r"\b(wrote|writing|written) (\w+ ){0,3}goodbye",
        r"\bgive away (my|all my) (things|stuff|belongings)",
        r"\b(saved|saving|stockpil\w*|hoard\w*) (\w+ ){0,2}(up )?(pills|tablets|meds|medication)",
        r"\b(bought|have|got) (a|the) rope\b",
        r"\bjump (off|from|in front of) (a|the)", r"\bcan'?t go on\b",
        r"\bno reason (left )?to (live|get up)", r"\b(won'?t|will not) be (a burden|here) "
        r"(for )?(much )?(longer|anymore)",
        r"\b(finish|end) (my|his|her) life", r"\b(want|wants|wanted|wanting) to die\b",
        r"\b(going|gonna) to end it\b", r"\bhow to (die|kill)", r"\bsorry for everything",
        r"\btake care of the (kids|children|cat|dog)", r"\bfarewell\b",
        r"\b(drive|crash) (\w+ )?into a (tree|wall)", r"\bfor when they find me",
        r"\b(hurts|hurting|cuts|cutting) (herself|himself)",
    ],
    "violence": [
        r"\b(slaat|sloeg|schopt|schopte|wurgt|wurgde|mishandelt|mishandelde|klopt|klopte) "
        r"(me|mij|mijn|ons|haar|hem)\b",
        r"\b(man|vriend|vader|partner|ex|lief|papa|stiefvader|zoon) (\w+ )?(slaat|sloeg|schopt|"
        r"wurgt|klopt) (me|mij|ons|haar|de kinderen|mijn)",
        r"\bbang (voor|van) (mijn|m'n|onze|haar|de) (man|vrouw|partner|vriend|ex|vader|zoon|lief)",
        r"\bbedreigt (me|mij|ons|haar|hem)", r"\b(vermoorden|doodmaken|kapot maken)\b",
        r"\bdreigt (me|mij|haar|ons|hem) (\w+ )?(te )?(vermoorden|doden|iets aan te doen|slaan)",
        r"\bmet (een|nen) mes", r"\bblauwe plekken", r"\bverstopt (me|mij|ons) (in|op)",
        r"\bme (frappe|bat|battait|frappait|tabasse)",
        r"\b(menace|menacee?) de (me|nous|la|le) tuer",
        r"\bpeur (de|pour) (mon|ma) (mari|compagnon|ex|vie|copain)", r"\bcouteau",
        r"\b(hits|beats|hit|beat|chokes|choked|kicks|kicked|strangled) (me|her|him|us)\b",
        r"\bthreaten(s|ed|ing)? to (kill|hurt)",
        r"\bafraid (of|for) my (husband|partner|boyfriend|life|ex)", r"\bhiding (in|from)\b",
        r"\b(he|she|they|my (husband|partner|boyfriend|ex|father|dad|son))('ll| will| is going "
        r"to| is gonna| wants to| threatened to) (hurt|kill)",
    ],
    "child": [
        r"\b(misbruikt|misbruikte) (me|mij|haar|hem|mijn|onze)\b",
        r"\b(wordt|werd|word|is) (\w+ ){0,2}misbruikt",
        r"\baan (haar|hem|mij|me) (zit|zat|zitten)", r"\bbetast",

        r"\b(slaat|sloeg) (de|het|mijn|onze|zijn|haar) (kind|kinderen|dochter|zoon|kleine)",
        r"\b(subi|subit|subis) (des )?(abus|attouchements)",
        r"\bbat (mon|ma|les|ses) (enfant|fils|fille)",
        r"\btouch(es|ed|ing) (her|him|me) at night", r"\b(molests|molested|is molesting)",
        r"\benfants? seuls?\b.*\b(jours|nuit)",
        r"\b(wordt|worden|zijn|is|zit|zitten) (\w+ ){0,2}alleen (thuis )?(gelaten|achtergelaten|"
        r"opgesloten)", r"\b(zit|zitten|wordt|worden) (\w+ ){0,2}opgesloten (in|op)",
        r"(?<!hele )\b(dagen|nachten) (alleen|zonder (eten|ouders|toezicht))",
        r"\benferme(e|s|es)? (dans|a la maison|depuis|seule?s?)",
        r"\blaisse(e|es|s|nt)? seule?s?\b",
        r"\b(leave|leaves|left) (their|his|her|the) (\w+ )?(kids|children|child|baby|son|"
        r"daughter) (\w+ ){0,6}alone",
        r"\b(left|locked) (alone|in|up)\b.{0,30}\b(days|nights|child|kid|baby)",
        r"\b(ze|hij|zij|mijn \w+|she|he|my \w+|elle|il|ma \w+|mon \w+) (\w+ ){0,3}"
        r"(loverboy|wordt gegroomd|is being groomed|prostitu)",
        r"\b(gedwongen|forced|force|forcee|oblige|obligee|verplicht)"
        r" (\w+ ){0,4}(mannen|men|hommes|seks|sex|prostitu|tippelen|trottoir)",
        r"\b(met|with|avec) (oudere |older |des )?(mannen|men|hommes) (mee )?(gaan|moet|to go|"
        r"sleep|slapen)", r"\bvoor geld (met|bij) (mannen|iemand)", r"\bfor money with",
        r"\b(naaktfoto|naaktbeelden|nude (photos|pictures|pics)|photos? (nues?|intimes?))",
        r"\b(wordt|word|werd|is being|being) (\w+ )?(afgeperst|blackmailed)",
        r"\b(me|le|la|nous) fait (du )?chantage",
        r"\bcoups? sur (mon|ma|les|ses) (enfant|fils|fille|bebe)",
        r"\b(touche|touchait|touches|touches) (ma|mon|sa|son|my|her|his) (\w+ ){0,2}"
        r"(la nuit|at night)", r"\b(seule?s?|alone) (\w+ ){0,4}(depuis|for) (0|deux|trois|two|"
        r"three) (jours|days|nuits|nights)", r"\b(being|is being|est) (sold|vendue?)\b",
        r"\b(forces|force|oblige) (her|him|me|la|le) (\w+ ){0,2}(to sleep with|coucher avec)",
        r"\bsend them to everyone", r"\b(envoyer|publier) (les|ses|mes) photos",
    ],
    "danger": [
        r"(?<!geen )\bacuut gevaar", r"\bin (direct|acuut|levens)gevaar", r"\blevensgevaar",
        r"(?<!pas )\ben danger\b", r"\bdanger immediat", r"(?<!not )\bin (immediate )?danger\b",
        r"\bwapen\b", r"\bgeweer\b", r"\bune arme\b", r"\ba (gun|knife|weapon)\b",
        r"\bgevallen\b.{0,60}\b(niet|ni|nie) (meer )?(recht|op)", r"\b(will|gonna|going to) "
        r"(hurt|kill) (me|her|him|us)\b(?! if)", r"\b(pijn|kwaad) (aan )?(doen|te doen)\b",
        r"\b(il|elle|on|ils) va (me|nous|la|le) (tuer|frapper)",
        r"\b(kan|kon|geraakt|raakt) (\w+ )?(niet|ni|nie) (meer )?(recht|op ?staan|overeind)",
        r"\bligt (al )?(\w+ ){0,3}op de (grond|vloer)", r"\bcan'?t get up\b",
        r"\b(lying|lies|fell) on the floor",
        r"\b(ne peut|n'arrive) (plus )?(pas )?a se (relever|lever)",
        r"\b(par terre|au sol) depuis",
        r"\b(0|twee|drie|vier) dagen (niks|niets|geen) (meer )?(te )?eten\b",
        r"\b(geen|niks|niets) (meer )?(te )?eten sinds\b",
        r"\b(op straat|buiten|in de auto|in (het|een) park|onder (een|de) brug) (\w+ ){0,3}"
        r"(slapen|geslapen|slaap|liggen)", r"\b(slapen|slaap|sliepen|geslapen) (\w+ ){0,3}"
        r"(op straat|buiten|in de auto|in (het|een) park|onder (een|de) brug)",
        r"\b(vannacht|vanavond) (\w+ ){0,4}(geen|gene) "
        r"(dak|slaapplaats|plek om te slapen|onderdak)", r"\b(sleep|sleeping|slept) (\w+ ){0,2}"
        r"(on the street|outside|rough|in the car|in a park)", r"\bnowhere to sleep",
        r"\b(dormir|dort|dormons|dorment) (\w+ ){0,2}(dehors|dans la rue|dans la voiture|"
        r"a la rue)", r"\b(a la rue|sans toit|sans abri) (\w+ ){0,3}(ce soir|cette nuit|avec)",
        r"\bnulle part (ou )?dormir", r"\bnergens (om )?te slapen",
        r"\bgeen (dak|onderdak) (\w+ ){0,4}(kinderen|kind|baby|vannacht|vanavond)",
        r"\b(no|without) (shelter|roof|place to sleep) (\w+ ){0,4}(tonight|children|kids|baby)",
        r"\b(held|locked up|opgesloten|enferme) (against|tegen|contre)",
        r"\bpaspoort (\w+ ){0,3}(afgenomen|afgepakt)", r"\b(took|taken) (my|her|his) passport",
        r"\bconfisque (mon|son|ses|mes) (passeport|papiers)",
        r"\b(keeps|kept|has|took) my passport", r"\b(passeport|passport) (ils|they) (ont )?"
        r"(pris|took)", r"\blocks (the|me in|the door)",
        r"\barrive (plus|pas) a se (re)?lever", r"\b(dors|dort|dormons) (\w+ ){0,3}(gare|parc|"
        r"rue|voiture)", r"\b(sleep|sleeping) (\w+ ){0,2}(park|station|street)",
        r"\bsee you tonight\b", r"\bkill (her|him)\b", r"\b(va|veut) (la|le) tuer\b",
        r"\b(peur|afraid) (qu'?il|that he) (la|le|me|will) (tue|kill)",
    ],
}

# Contexts that speak about a crisis without anyone in danger now: a plan, a training, a policy,
# a past told to help others. Phrases then count only when they are someone's present words.
_NOT_CRISIS = [
    r"preventie", r"prevention", r"\bbeleid", r"actieplan", r"\bvorming", r"\bopleid",
    r"\btraining", r"\bworkshop", r"\bsensibilis", r"\bcampagne", r"\bformation\b",
    r"\bpolitique\b", r"\bpolicy\b", r"\bsignalen (van|herkennen)", r"\bgemeenteraad",
    r"\bschepen\b", r"\b(film|reeks|serie|series|boek|book|livre|roman|documentaire|"
    r"documentary|song|lied|chanson|toneel|theatre|theater|spreekbeurt|expose|les over|lesson)\b",
    r"\b(jaren|jaar|years|maanden) (geleden|ago)\b", r"\b(0|two|three|\w+) years since\b",
    r"\bvroeger\b", r"\bautrefois\b", r"\bin the past\b", r"\bat the time\b",
    r"\b(toen|destijds|used to|when i was|as a (teenager|child|kid|boy|girl)|als (kind|jongen|"
    r"meisje|tiener)|quand j'?(avais|etais)|y ?a 0 ans|maintenant ca va|ca va mieux|is voorbij|"
    r"gaat (nu )?(veel )?beter|i'?m (doing )?(fine|better|well) now|since then)\b",
    r"\b(module|sessie|session|infoavond|atelier|former|formation|repérer|reperer|spot|"
    r"recognis|recogniz|herkennen|council|conseil communal|meerjarenplan|multi-year|position "
    r"paper|subsidie|podcast|debat|debate|expert|spreker|speaker|intervenant|cijfers|figures|"
    r"chiffres|statisti|cursus|course)\w*",
    # the past told as past: "in 2015", "when I arrived", "al vier jaar weg"
    r"\b(when i (arrived|came)|toen ik (aankwam|hier kwam)|quand je suis arrivee?)\b",
    r"\b(al|since|depuis) 0 (jaar|years|ans)\b", r"\b(ben|zijn) (daar )?(al )?(0 jaar )?weg\b",
]
_PRESENT = [  # present-tense danger that no context explains away
    r"\b(vanavond|vannacht|nu meteen|op dit moment|tonight|right now|ce soir|cette nuit|"
    r"en ce moment)\b",
]

_SPAM = [
    r"\bcrypto", r"\bbitcoin", r"\bforex\b", r"\bcasino", r"\bviagra", r"\bcialis",
    r"\blening zonder", r"\bsnelle lening", r"\bkrediet zonder", r"\bpret (rapide|sans)",
    r"\bloan(s)? (approved|without|with no)", r"\bseo\b", r"\bbacklink", r"\bdating\b",
    r"\bescort", r"\bsexy\b", r"\bsingles? in (je|your|uw)", r"\bclick here\b", r"\bklik hier\b",
    r"\bcliquez ici\b", r"\bgewonnen\b.*\b(prijs|iphone|euro)", r"\byou (have )?won\b",
    r"\bguaranteed (income|profit|returns)", r"\bverdien .{0,20}per (dag|week)",
    r"\bgagnez\b", r"\bmake money", r"\bunsubscribe\b", r"\bwhatsapp\b",
    # Selling: offers, rates, prizes, "contact us" — evidence only beside the model's verdict.
    r"\b0 ?%", r"\b(rente|rentevoet|taux|interest rate)\b", r"\b(bel|call|appelez) (nu|now|"
    r"maintenant)\b", r"\b(contacteer|contactez|contact) (ons|nous|us)\b",
    r"\b(aanbieding|offre speciale|special offer|limited offer|promo\w*|korting|discount)\b",
    r"\b(investeer|investir|invest|investment|rendement|profit)",
    r"\b(bonus|jackpot|prize|prijs gewonnen|lottery|loterij)\b", r"\b(seo|backlinks?|traffic|"
    r"ranking|followers)\b", r"\b(pills?|pillen|gelules) (\w+ )?(kopen|buy|acheter)",
    r"\b(hot|sexy|lonely) (girls|ladies|women|singles|meiden)", r"\burltoken\b",
    r"\b(marabout|voyant|medium)\b", r"\b(verdien|earn|gagner) (\w+ ){0,3}(euro|eur|€|\$)",
    # Families of spam a desk's form receives: phishing, parcels and customs fees, inheritances,
    # quotes and offers, diets, dating, "your own boss".
    r"\b(via|through) (de volgende|deze|onderstaande|this|the following) link",
    r"\b(cliquant|klik|click) (ici|hier|here)", r"\b(bevestig|confirm|confirmer) (uw|your|vos)",
    r"\b(geblokkeerd|blocked|bloque)\b", r"\b(uw|your|votre) (pakket|package|parcel|colis)\b",
    r"\b(verzendkosten|frais de (douane|port)|shipping fee)", r"\b(erfenis|inheritance|heritage)",
    r"\b(offerte|devis|quote)\b", r"\b(referencement|webdesign|redesign|visiteurs|visitors)\b",
    r"\b(offre de (credit|pret)|consolidatielening|rachat de credits?|zonder papierwerk)",
    r"\b(eigen baas|passief inkomen|passive income|own boss)", r"\b(wondermiddel|miracle\w*|"
    r"maigrir|vermageren|afvallen|lose weight)\b", r"\b(rencontres?|schatje|snap|snapchat)\b",
    r"\b(bel|sms|call|text) (ons|us|of sms|or text)\b",
    r"\b(test|testing) (test|0|het formulier|dit formulier)",
]



def _top_level_alternatives(pattern: str) -> bool:
    depth, escaped = 0, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


class _Phrase:
    """A pattern with the literal text any match must contain: most texts lack that literal,
    and a substring test is far cheaper than a regular-expression search."""

    __slots__ = ("literal", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        literal = re.match(r"(?:\\b)?([^.*+?()\[\]{}|\\^$]*)(.?)", pattern)
        text, stop = literal.group(1), literal.group(2)
        if stop in ("?", "*", "{"):  # the last character is optional
            text = text[:-1]
        if _top_level_alternatives(pattern):  # "a|b": no single literal is required
            text = ""
        self.literal = text if len(text) >= 3 else ""

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.literal in text else None


_crisis = {kind: [_Phrase(p) for p in patterns] for kind, patterns in _CRISIS.items()}
_not_crisis = [_Phrase(p) for p in _NOT_CRISIS]
_present = [_Phrase(p) for p in _PRESENT]
_spam = [_Phrase(p) for p in _SPAM]
_VOWELS = set("aeiouy")


# Words that make the confirmation page show the help lines at once, before the readers in the
# worker have spoken: broad on purpose (help lines shown to a calm person cost little; help lines
# missing for a person in danger cost a great deal).
_ALARM = re.compile(
    r"\b(dood|doden|sterven|zelfmoord|zelfdoding|suicid\w*|afscheidsbrie\w*|einde aan|van kant|"
    r"pillen|slaappillen|touw|wapen|geweld|slaat|sloeg|misbruik\w*|bedreig\w*|gevaar|"
    r"opgesloten|noodgeval|op straat|vermoord\w*|mourir|tuer|en finir|frapp\w*|battu\w*|"
    r"violences?|abus|menac\w*|danger|couteau|adieu|dans la rue|to die|dying|dead|kill\w*|"
    r"end it|hurt|harm|abuse\w*|violent|threat\w*|knife|gun|rope|pills|goodbye|overdos\w*|"
    r"prostitu\w*|grooming|loverboy|traffick\w*|mensenhandel)\b")


def alarm_at_filing(text: str) -> bool:
    """Show the help lines now? Any crisis phrase, whatever its context, or an alarm word."""
    plain = normalise(text).replace("\u2019", "'")
    return bool(_ALARM.search(plain)) or any(
        p.search(plain) for patterns in _crisis.values() for p in patterns)


def crisis_signals(text: str) -> list[tuple[str, str]]:
    """(kind, phrase) for every crisis phrase found, unless the text is about prevention, a
    policy, a film or the past rather than a person in danger now."""
    plain = normalise(text).replace("\u2019", "'")
    found = [(kind, m.group(0).strip()) for kind, patterns in _crisis.items()
             for p in patterns for m in [p.search(plain)] if m]
    if found and any(p.search(plain) for p in _not_crisis) and not any(
            p.search(plain) for p in _present):
        return []  # talk about the subject: the two readers in crisis.py weigh it
    return found


def spam_signals(text: str, tokens: list[str]) -> list[str]:
    plain = normalise(text)
    found = [m.group(0).strip() for p in _spam for m in [p.search(plain)] if m]
    if tokens and looks_like_gibberish(tokens):
        found.append("gibberish")
    if plain.count("urltoken") >= 2:
        found.append("links")
    return found


# Runs along a keyboard row, and a syllable typed again and again ("asdasd").
_KEYBOARD = re.compile(r"asdf|sdfg|qwer|wert|zxcv|hjkl|jkl|uiop|(\w{2,3})\1\1?")


def looks_like_gibberish(tokens: list[str]) -> bool:
    """Keyboard mashing: words without vowels, or long runs of consonants, most of the text."""
    letters = [t for t in tokens if t.isalpha()]
    if not letters or len(letters) == 1 and len(letters[0]) < 8:
        return False
    odd = 0
    for token in letters:
        vowels = sum(1 for c in token if c in _VOWELS)
        longest = max((len(run) for run in re.split(r"[aeiouy]+", token)), default=0)
        if vowels == 0 and len(token) > 2 or longest >= 5 or (
                len(token) >= 6 and len(set(token)) <= 2) or _KEYBOARD.search(token):
            odd += 1
    return odd / len(letters) >= 0.4
