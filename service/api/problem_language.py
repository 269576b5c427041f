"""Problem details in French: titles, and the details and field messages the service writes.

Messages are written in English where they are raised; this table says each in French, the
named values (ids, slugs, limits) kept as they are. A message with no entry stays English.
"""

import re

from service.domain.messages import Language

TITLES = {
    400: ("Bad request", "Requête mal formée"),
    401: ("Unauthorized", "Non authentifié"),
    403: ("Forbidden", "Interdit"),
    404: ("Not found", "Introuvable"),
    405: ("Method not allowed", "Méthode non permise"),
    409: ("Conflict", "Conflit"),
    410: ("Gone", "Retiré"),
    413: ("Payload too large", "Requête trop volumineuse"),
    415: ("Unsupported media type", "Type de contenu non pris en charge"),
    422: ("Invalid input", "Données invalides"),
    429: ("Too many requests", "Trop de requêtes"),
    500: ("Internal server error", "Erreur interne du serveur"),
    503: ("Service unavailable", "Service indisponible"),
}

_FRENCH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), french)
    for pattern, french in [
        (r"^no such (credential|evidence|status list|issuer|document)$", "introuvable"),
        (r"^no achievement (.+)$", r"aucun badge \1"),
        (r"^no issuer (.+)$", r"aucun émetteur \1"),
        (r"^issuer (.+) has no key (.+)$", r"l'émetteur \1 n'a pas de clé \2"),
        (r"^no client (.+)$", r"aucun client \1"),
        (r"^Not Found$", "introuvable"),
        (r"^Method Not Allowed$", "méthode non permise pour cette adresse"),
        (
            r"^a bearer access token is required \(see POST /oauth/token\)$",
            "un jeton d'accès Bearer est requis (voir POST /oauth/token)",
        ),
        (r"^invalid access token$", "jeton d'accès invalide"),
        (r"^the access token has expired$", "le jeton d'accès a expiré"),
        (r"^invalid client credentials$", "identifiants du client invalides"),
        (r"^this token lacks the (.+) scope$", r"ce jeton n'a pas la portée \1"),
        (
            r"^the address holds a NUL character or bytes that are not UTF-8$",
            "l'adresse contient un caractère NUL ou des octets qui ne sont pas de l'UTF-8",
        ),
        (r"^malformed token request$", "requête de jeton mal formée"),
        (r"^malformed request$", "requête mal formée"),
        (r"^the request body is empty$", "le corps de la requête est vide"),
        (r"^the request body is not UTF-8$", "le corps de la requête n'est pas en UTF-8"),
        (r"^the JSON repeats the key (.+)$", r"le JSON répète la clé \1"),
        (
            r"^the JSON is nested deeper than (\d+) levels$",
            r"le JSON est imbriqué sur plus de \1 niveaux",
        ),
        (r"^malformed JSON: (.+)$", r"JSON mal formé : \1"),
        (
            r"^send the body as application/json \(got (.+)\)$",
            r"envoyez le corps en application/json (reçu : \1)",
        ),
        (
            r"^the request body is larger than (.+)$",
            r"le corps de la requête dépasse \1",
        ),
        (r"^the request body does not match the schema$", "le corps ne respecte pas le schéma"),
        (r"^one or more fields are invalid$", "un ou plusieurs champs sont invalides"),
        (r"^is required$", "est obligatoire"),
        (r"^is not a known field$", "n'est pas un champ connu"),
        (r"^must not be blank$", "ne doit pas être vide"),
        (r"^is in the future$", "est dans le futur"),
        (r"^is before 2000$", "est antérieure à 2000"),
        (r"^needs a time zone \(RFC 3339\)$", "doit indiquer un fuseau horaire (RFC 3339)"),
        (r"^must be a DID or an absolute URL$", "doit être un DID ou une URL absolue"),
        (
            r"^contains a NUL character or a lone surrogate$",
            "contient un caractère NUL ou un demi-caractère UTF-16 isolé",
        ),
        (r"^unknown achievement (.+)$", r"badge inconnu \1"),
        (r"^this client may not issue for (.+)$", r"ce client ne peut pas décerner pour \1"),
        (r"^unknown prompt (.+)$", r"question inconnue \1"),
        (r"^prompt (.+) is answered twice$", r"la question \1 a deux réponses"),
        (r"^prompt (.+) must be answered$", r"la question \1 doit recevoir une réponse"),
        (
            r"^the achievement (.+) is archived: it takes no completion$",
            r"le badge \1 est archivé : il ne reçoit plus de complétion",
        ),
        (r"^the achievement (.+) is archived$", r"le badge \1 est archivé"),
        (
            r"^another completion was already recorded under this externalId or "
            r"Idempotency-Key$",
            "une autre complétion a déjà été enregistrée sous cet externalId ou cette "
            "Idempotency-Key",
        ),
        (
            r"^the completion is being recorded; retry shortly$",
            "la complétion est en cours d'enregistrement ; réessayez dans un instant",
        ),
        (
            r"^send exactly one of credential, jwt, url or an image$",
            "envoyez exactement un des champs credential, jwt ou url, ou une image",
        ),
        (r"^expected (.+), got (.+)$", r"attendu : \1 ; reçu : \2"),
        (
            r"^too many (.+) requests \((.+)\); retry later$",
            r"trop de requêtes (\2) ; réessayez plus tard",
        ),
        (
            r"^too many verification requests \((.+)\); a bearer token raises the limit$",
            r"trop de demandes de vérification (\1) ; un jeton Bearer relève la limite",
        ),
        (
            r"^an internal error occurred; it was logged$",
            "une erreur interne est survenue ; elle a été consignée",
        ),
    ]
]


def title(status: int, language: Language) -> str:
    english, french = TITLES.get(status, ("Error", "Erreur"))
    return french if language == "fr" else english


def say(message: str, language: Language) -> str:
    """`message` in `language` (the service writes English; French comes from the table)."""
    if language != "fr":
        return message
    for pattern, french in _FRENCH:
        if pattern.match(message):
            return pattern.sub(french, message)
    return message
