"""Problem details' titles in French and English, by status.

Details and field messages are said by code (`service.domain.texts`).
"""

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


def title(status: int, language: Language) -> str:
    english, french = TITLES.get(status, ("Error", "Erreur"))
    return french if language == "fr" else english
