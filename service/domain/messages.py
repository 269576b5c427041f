"""Verification messages for people, in French or English (``Accept-Language``).

English messages come from the library and name the specifics; French ones say the same for
each check and outcome, and keep the library's English text as ``reason``.
"""

from typing import Any, Literal

from openbadges.verification import Check

Language = Literal["en", "fr"]

_FRENCH: dict[tuple[str, str], str] = {
    ("format", "passed"): "Le format du justificatif est reconnu.",
    ("format", "failed"): "Ce n'est pas un justificatif lisible (JSON-LD, JWT ou image intégrée).",
    ("context", "passed"): "Les contextes JSON-LD sont ceux des Open Badges 3.0.",
    ("context", "failed"): "Les contextes JSON-LD ne sont pas ceux attendus.",
    ("jsonld-terms", "passed"): "Chaque terme est défini par un contexte.",
    ("jsonld-terms", "warning"): "Certains termes n'ont de sens que pour l'émetteur.",
    (
        "jsonld-terms",
        "failed",
    ): "Des données ne sont définies par aucun contexte : elles ne sont pas signées.",
    (
        "canonicalization",
        "failed",
    ): "Le justificatif est refusé : sa mise en forme canonique coûterait trop de calcul.",
    ("schema", "passed"): "La structure respecte le modèle Open Badges 3.0.",
    ("schema", "failed"): "La structure ne respecte pas le modèle Open Badges 3.0.",
    ("schema", "skipped"): "Ce n'est pas un badge Open Badges : structure non vérifiée.",
    ("proof", "passed"): "La signature est valide : le contenu n'a pas été modifié.",
    ("proof", "failed"): "La signature n'est pas valide : le contenu a été modifié ou mal signé.",
    ("proof", "skipped"): "La signature n'a pas pu être vérifiée (clé introuvable ou refus).",
    ("issuer-key", "passed"): "La clé de signature appartient bien à l'émetteur.",
    (
        "issuer-key",
        "failed",
    ): "La clé de signature est introuvable ou n'appartient pas à l'émetteur.",
    ("valid-from", "passed"): "Le badge est en vigueur.",
    ("valid-from", "failed"): "Le badge n'est pas encore en vigueur.",
    ("valid-until", "passed"): "Le badge n'est pas expiré.",
    ("valid-until", "failed"): "Le badge est expiré.",
    ("status", "passed"): "Le badge n'est ni révoqué ni suspendu.",
    ("status", "warning"): "Le statut a été lu, avec une réserve.",
    ("status", "failed"): "Le badge est révoqué ou suspendu, ou son statut est illisible.",
    ("recipient", "passed"): "Le badge a été décerné à cette personne.",
    ("recipient", "failed"): "Le badge n'a pas été décerné à cette adresse.",
    ("known-issuer", "passed"): "L'émetteur est connu de ce service.",
    ("known-issuer", "warning"): "L'émetteur n'est ni hébergé ici ni dans la liste de confiance.",
    ("known-issuer", "skipped"): "Le badge ne nomme aucun émetteur.",
}


def localise(check: Check, language: Language) -> dict[str, Any]:
    """One report entry: code and status (stable), message (localised), detail."""
    entry: dict[str, Any] = {"code": check.code, "status": check.status}
    if language == "fr" and (check.code, check.status) in _FRENCH:
        entry["message"] = _FRENCH[check.code, check.status]
        entry["detail"] = {**check.detail, "reason": check.message}
    else:
        entry["message"] = check.message
        if check.detail:
            entry["detail"] = dict(check.detail)
    return entry


def pick_language(accept_language: str | None) -> Language:
    """French when the request prefers it over English, else English."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("fr"):
            return "fr"
        if tag.startswith("en"):
            return "en"
    return "en"
