"""What each check means for the person reading the report, in English and French.

The checks' own messages are technical (they name members, suites and URLs) and stay in the
report as ``detail.reason``; these sentences say what the outcome means for someone deciding
whether to trust a badge. Keys are ``(code, status)``, or ``(code, status, cause)`` where a
cause (see `Check.cause`) changes the meaning.

The report (`report.py`) words itself with these functions, so this module knows a check and
a result only by what it reads of them (`WordedCheck`, `WordedResult`): no import cycle.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal, Protocol

from babel.dates import format_date

__all__ = ["LANGUAGES", "Language", "explain", "headline"]

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")

_Key = tuple[str, ...]


class WordedCheck(Protocol):
    """What wording reads of a check (`openbadges.verification.Check`)."""

    @property
    def code(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def detail(self) -> Mapping[str, Any]: ...
    @property
    def cause(self) -> str | None: ...


class WordedResult(Protocol):
    """What wording reads of a report (`openbadges.verification.VerificationResult`)."""

    @property
    def verdict(self) -> str: ...
    @property
    def verdict_check(self) -> WordedCheck | None: ...
    @property
    def checks(self) -> Sequence[WordedCheck]: ...
    @property
    def credential(self) -> Mapping[str, Any] | None: ...


_EN: dict[_Key, str] = {
    ("format", "passed"): "The badge could be read.",
    ("format", "failed"): "This is not a badge that can be read: the file is not a "
    "credential in any supported format.",
    ("format", "failed", "unreachable"): "The badge could not be fetched from its link "
    "(the issuer's site did not answer), so it could not be checked. Try again later.",
    ("context", "passed"): "The badge declares the vocabularies of a verifiable credential.",
    ("context", "failed"): "The badge does not declare the vocabularies a verifiable "
    "credential must use.",
    ("context", "warning"): "The badge uses an older or unusual vocabulary; it was "
    "checked as far as possible.",
    ("jsonld-terms", "passed"): "Every piece of data in the badge has a defined meaning.",
    ("canonicalization", "failed"): "The badge was refused: putting it in canonical form "
    "would take an unreasonable amount of computation, as a forged document would.",
    ("jsonld-terms", "warning"): "Some data in the badge has no agreed meaning; it is "
    "covered by the signature, but its meaning is the issuer's alone.",
    ("jsonld-terms", "failed"): "Some data in the badge has no defined meaning and is "
    "not covered by the signature, so it cannot be trusted.",
    ("jsonld-terms", "failed", "missing-context"): "A vocabulary the badge relies on is "
    "not available here, so what its data means could not be checked.",
    ("jsonld-terms", "warning", "missing-context"): "A vocabulary the badge relies on is "
    "not available here; the signature was checked, but not what every piece of data means.",
    ("schema", "passed"): "The badge has the structure Open Badges requires.",
    ("schema", "failed"): "The badge does not have the structure Open Badges requires.",
    ("schema", "skipped"): "Not an Open Badges 3.0 badge, so its structure was not "
    "compared with that model.",
    ("proof", "passed"): "The signature matches: the content has not been changed since "
    "the issuer signed it.",
    ("proof", "failed"): "The signature does not match: the content was changed after "
    "signing, or was not signed by this key. Do not rely on what it says.",
    ("proof", "failed", "unsupported"): "The badge is signed in a way this verifier does "
    "not support, so its signature could not be checked.",
    ("proof", "failed", "missing-context"): "A vocabulary the signature covers is not "
    "available here, so the signature could not be checked.",
    ("proof", "skipped"): "The signature could not be checked, because the issuer's key "
    "could not be found.",
    ("proof", "warning"): "The signature matches, with a reservation.",
    ("issuer-key", "passed"): "The signing key is one the issuer's identifier lists: whoever "
    "controls that identifier signed the badge (which alone does not confirm who they are).",
    ("issuer-key", "warning"): "The signing key is carried inside the badge itself, so "
    "nothing proves it belongs to the named issuer.",
    ("issuer-key", "failed"): "The signing key does not belong to the issuer named in "
    "the badge: someone else may have signed it.",
    ("issuer-key", "failed", "unreachable"): "The issuer's key could not be fetched (the "
    "issuer's site did not answer or the document is not available), so the signature "
    "could not be checked. Try again later.",
    ("issuer-key", "skipped"): "The signing key was not checked.",
    ("valid-from", "passed"): "The badge is in effect.",
    ("valid-from", "failed"): "The badge is not in effect yet.",
    ("valid-until", "passed"): "The badge has not expired.",
    ("valid-until", "failed"): "The badge has expired.",
    ("status", "passed"): "The issuer has not revoked or suspended the badge.",
    ("status", "passed", "revocation"): "The issuer has not revoked the badge.",
    ("status", "passed", "suspension"): "The issuer has not suspended the badge.",
    ("status", "warning", "revocation"): "The badge is not revoked, with a reservation.",
    ("status", "warning", "suspension"): "The badge is not suspended, with a reservation.",
    ("status", "failed", "unreachable", "suspension"): "The issuer's suspension list could "
    "not be fetched, so whether the badge is suspended is unknown. Try again later.",
    ("status", "warning"): "The badge's status was read, with a reservation.",
    ("status", "failed"): "The issuer has revoked or suspended the badge, or its "
    "status could not be trusted.",
    ("status", "failed", "revoked"): "The issuer has revoked the badge.",
    ("status", "failed", "suspended"): "The issuer has suspended the badge.",
    ("status", "failed", "unreachable"): "The issuer's revocation list could not be "
    "fetched, so whether the badge was revoked is unknown. Try again later.",
    ("recipient", "passed"): "The badge was awarded to this person.",
    ("recipient", "failed"): "The badge was not awarded to this e-mail address.",
    ("known-issuer", "passed"): "The issuer is known to this service.",
    ("known-issuer", "passed", "hosted"): "The issuer is hosted by this service, which "
    "confirmed who they are.",
    ("known-issuer", "passed", "trusted"): "The issuer is on this service's list of trusted "
    "issuers.",
    ("known-issuer", "passed", "registry"): "The issuer is listed in an issuer registry this "
    "service relies on.",
    ("known-issuer", "warning"): "The issuer's identity is unconfirmed: it is neither hosted "
    "here, nor trusted, nor in a registry this service relies on. The name it gives is its own "
    "claim; check who they are.",
    ("known-issuer", "skipped"): "Who the issuer is was not looked up.",
    ("hosted", "passed"): "The issuer still publishes this badge at its address, unchanged.",
    ("hosted", "failed"): "The copy the issuer publishes differs from this one, or the "
    "issuer no longer publishes it.",
    ("hosted", "failed", "unreachable"): "The issuer's copy of the badge could not be "
    "fetched, so it could not be compared. Try again later.",
    ("hosted", "failed", "revoked"): "The issuer has revoked the badge.",
    ("embedded", "passed"): "A credential inside this record is authentic and valid.",
    ("embedded", "failed"): "A credential inside this record did not pass verification.",
    ("embedded", "warning"): "A credential inside this record could not be fully checked.",
    ("budget", "failed"): "The verification reached its limit (documents fetched, status "
    "entries, keys tried or time) before everything could be checked, so the badge could "
    "not be fully verified. This does not make it false.",
    ("key-compromise", "passed"): "No signature was made with a key the issuer reported "
    "compromised.",
    ("key-compromise", "failed"): "The badge was signed with a key its issuer reported "
    "compromised, on or after the date it was compromised.",
}

_FR: dict[_Key, str] = {
    ("format", "passed"): "Le badge a pu être lu.",
    ("format", "failed"): "Ce n'est pas un badge lisible : le fichier n'est un "
    "justificatif dans aucun format reconnu.",
    ("format", "failed", "unreachable"): "Le badge n'a pas pu être obtenu à son adresse "
    "(le site de l'émetteur n'a pas répondu) : il n'a pas pu être vérifié. Réessayez plus tard.",
    ("context", "passed"): "Le badge déclare les vocabulaires d'un justificatif vérifiable.",
    ("context", "failed"): "Le badge ne déclare pas les vocabulaires qu'un justificatif "
    "vérifiable doit employer.",
    ("context", "warning"): "Le badge emploie un vocabulaire ancien ou inhabituel ; il a "
    "été vérifié autant que possible.",
    ("jsonld-terms", "passed"): "Chaque donnée du badge a un sens défini.",
    ("canonicalization", "failed"): "Le badge est refusé : sa mise en forme canonique "
    "coûterait trop de calcul, comme pour un document forgé.",
    ("jsonld-terms", "warning"): "Certaines données du badge n'ont pas de sens convenu : "
    "elles sont couvertes par la signature, mais leur sens n'engage que l'émetteur.",
    ("jsonld-terms", "failed"): "Certaines données du badge n'ont pas de sens défini et "
    "ne sont pas couvertes par la signature : on ne peut pas s'y fier.",
    ("jsonld-terms", "failed", "missing-context"): "Un vocabulaire dont dépend le badge "
    "n'est pas disponible ici : le sens de ses données n'a pas pu être vérifié.",
    ("jsonld-terms", "warning", "missing-context"): "Un vocabulaire dont dépend le badge "
    "n'est pas disponible ici : la signature a été vérifiée, mais pas le sens de chaque donnée.",
    ("schema", "passed"): "Le badge a la structure exigée par Open Badges.",
    ("schema", "failed"): "Le badge n'a pas la structure exigée par Open Badges.",
    ("schema", "skipped"): "Ce n'est pas un badge Open Badges 3.0 : sa structure n'a pas "
    "été comparée à ce modèle.",
    ("proof", "passed"): "La signature correspond : le contenu n'a pas été modifié depuis "
    "que l'émetteur l'a signé.",
    ("proof", "failed"): "La signature ne correspond pas : le contenu a été modifié après "
    "la signature, ou n'a pas été signé par cette clé. Ne vous fiez pas à ce qu'il affirme.",
    ("proof", "failed", "unsupported"): "Le badge est signé d'une façon que ce "
    "vérificateur ne prend pas en charge : sa signature n'a pas pu être vérifiée.",
    ("proof", "failed", "missing-context"): "Un vocabulaire couvert par la signature "
    "n'est pas disponible ici : la signature n'a pas pu être vérifiée.",
    ("proof", "skipped"): "La signature n'a pas pu être vérifiée, faute d'avoir trouvé la "
    "clé de l'émetteur.",
    ("proof", "warning"): "La signature correspond, avec une réserve.",
    ("issuer-key", "passed"): "La clé de signature figure parmi celles de l'identifiant de "
    "l'émetteur : le badge a été signé par qui contrôle cet identifiant (ce qui ne confirme "
    "pas à lui seul de qui il s'agit).",
    ("issuer-key", "warning"): "La clé de signature est jointe au badge lui-même : rien ne "
    "prouve qu'elle appartient à l'émetteur nommé.",
    ("issuer-key", "failed"): "La clé de signature n'appartient pas à l'émetteur nommé "
    "dans le badge : quelqu'un d'autre a pu le signer.",
    ("issuer-key", "failed", "unreachable"): "La clé de l'émetteur n'a pas pu être "
    "obtenue (son site n'a pas répondu ou le document n'est pas disponible) : la signature "
    "n'a pas pu être vérifiée. Réessayez plus tard.",
    ("issuer-key", "skipped"): "La clé de signature n'a pas été vérifiée.",
    ("valid-from", "passed"): "Le badge est en vigueur.",
    ("valid-from", "failed"): "Le badge n'est pas encore en vigueur.",
    ("valid-until", "passed"): "Le badge n'est pas expiré.",
    ("valid-until", "failed"): "Le badge est expiré.",
    ("status", "passed"): "L'émetteur n'a ni révoqué ni suspendu le badge.",
    ("status", "passed", "revocation"): "L'émetteur n'a pas révoqué le badge.",
    ("status", "passed", "suspension"): "L'émetteur n'a pas suspendu le badge.",
    ("status", "warning", "revocation"): "Le badge n'est pas révoqué, avec une réserve.",
    ("status", "warning", "suspension"): "Le badge n'est pas suspendu, avec une réserve.",
    ("status", "failed", "unreachable", "suspension"): "La liste de suspension de l'émetteur "
    "n'a pas pu être obtenue : on ne sait pas si le badge est suspendu. Réessayez plus tard.",
    ("status", "warning"): "Le statut du badge a été lu, avec une réserve.",
    ("status", "failed"): "L'émetteur a révoqué ou suspendu le badge, ou son statut "
    "n'est pas fiable.",
    ("status", "failed", "revoked"): "L'émetteur a révoqué le badge.",
    ("status", "failed", "suspended"): "L'émetteur a suspendu le badge.",
    ("status", "failed", "unreachable"): "La liste de révocation de l'émetteur n'a pas pu "
    "être obtenue : on ne sait pas si le badge a été révoqué. Réessayez plus tard.",
    ("recipient", "passed"): "Le badge a été décerné à cette personne.",
    ("recipient", "failed"): "Le badge n'a pas été décerné à cette adresse courriel.",
    ("known-issuer", "passed"): "L'émetteur est connu de ce service.",
    ("known-issuer", "passed", "hosted"): "L'émetteur est hébergé par ce service, qui a "
    "confirmé son identité.",
    ("known-issuer", "passed", "trusted"): "L'émetteur figure dans la liste des émetteurs de "
    "confiance de ce service.",
    ("known-issuer", "passed", "registry"): "L'émetteur figure dans un registre d'émetteurs "
    "auquel ce service se fie.",
    ("known-issuer", "warning"): "L'identité de l'émetteur n'est pas confirmée : il n'est ni "
    "hébergé ici, ni de confiance, ni dans un registre auquel ce service se fie. Le nom qu'il "
    "donne n'engage que lui ; vérifiez de qui il s'agit.",
    ("known-issuer", "skipped"): "L'identité de l'émetteur n'a pas été recherchée.",
    ("hosted", "passed"): "L'émetteur publie toujours ce badge à son adresse, sans changement.",
    ("hosted", "failed"): "La copie publiée par l'émetteur diffère de celle-ci, ou "
    "l'émetteur ne la publie plus.",
    ("hosted", "failed", "unreachable"): "La copie du badge publiée par l'émetteur n'a pas "
    "pu être obtenue : elle n'a pas pu être comparée. Réessayez plus tard.",
    ("hosted", "failed", "revoked"): "L'émetteur a révoqué le badge.",
    ("embedded", "passed"): "Un justificatif contenu dans ce relevé est authentique et valide.",
    ("embedded", "failed"): "Un justificatif contenu dans ce relevé n'a pas passé la vérification.",
    ("embedded", "warning"): "Un justificatif contenu dans ce relevé n'a pas pu être "
    "entièrement vérifié.",
    ("budget", "failed"): "La vérification a atteint sa limite (documents obtenus, entrées "
    "de statut, clés essayées ou durée) avant d'avoir tout contrôlé : le badge n'a pas pu "
    "être entièrement vérifié, ce qui ne le rend pas faux.",
    ("key-compromise", "passed"): "Aucune signature n'a été faite avec une clé que "
    "l'émetteur a déclarée compromise.",
    ("key-compromise", "failed"): "Le badge a été signé avec une clé que son émetteur a "
    "déclarée compromise, à la date de la compromission ou après.",
}

_TABLES: dict[Language, dict[_Key, str]] = {"en": _EN, "fr": _FR}

_HEADLINES: dict[Language, dict[str, str]] = {
    "en": {
        "valid": "This badge is authentic and valid: {what}.",
        "valid-warning": "This badge is authentic and valid, with reservations listed "
        "below: {what}.",
        "invalid": "This badge is not valid. {why}",
        "unverifiable": "This badge could not be verified, which does not mean it is false. {why}",
        "what": "“{name}” issued by {issuer}",
        "what-unnamed": "issued by {issuer}",
        "unnamed-issuer": "an issuer that gives no name",
        "expired-on": "The badge expired on {date}.",
        "valid-on": "The badge is not in effect until {date}.",
    },
    "fr": {
        "valid": "Ce badge est authentique et valide : {what}.",
        "valid-warning": "Ce badge est authentique et valide, avec les réserves indiquées "
        "ci-dessous : {what}.",
        "invalid": "Ce badge n'est pas valide. {why}",
        "unverifiable": "Ce badge n'a pas pu être vérifié, ce qui ne veut pas dire qu'il "
        "est faux. {why}",
        "what": "« {name} », émis par {issuer}",
        "what-unnamed": "émis par {issuer}",
        "unnamed-issuer": "un émetteur qui ne se nomme pas",
        "expired-on": "Le badge est expiré depuis le {date}.",
        "valid-on": "Le badge n'est en vigueur qu'à partir du {date}.",
    },
}


def explain(check: WordedCheck, language: Language = "en") -> str:
    """What the check's outcome means for a person, in English or French.

    Args:
        check: one check of a report.
        language: ``"en"`` or ``"fr"``.

    Returns:
        One or two sentences; the check's own technical message when no wording is known.
    """
    table = _TABLES[language]
    dated = _dated(check, language)
    if dated is not None:
        return dated
    # The most specific wording first: by cause and by what the check is about (a status
    # entry's purpose, or how an issuer is known), then by cause alone.
    about = check.detail.get("purpose") or check.detail.get("knownBy")
    code, status, cause = check.code, check.status, check.cause
    keys: list[_Key] = []
    if cause is not None and isinstance(about, str):
        keys.append((code, status, cause, about))
    if cause is not None:
        keys.append((code, status, cause))
    if isinstance(about, str):
        keys.append((code, status, about))
    for key in keys:
        if key in table:
            return table[key]
    if cause == "budget":  # whichever check it cut short, the reason is the budget
        return table["budget", "failed"]
    return table.get((code, status), check.message)


def headline(result: WordedResult, language: Language = "en") -> str:
    """One sentence that sums the report up: valid, invalid and why, or unverifiable and why.

    Args:
        result: the report.
        language: ``"en"`` or ``"fr"``.

    Returns:
        The sentence; a valid badge's names what it is and who issued it.
    """
    words = _HEADLINES[language]
    verdict = result.verdict
    decisive = result.verdict_check
    if verdict != "valid" and decisive is not None:
        return words[verdict].format(why=explain(decisive, language))
    if verdict != "valid":
        return words[verdict].format(why=explain(result.checks[0], language))
    credential = result.credential or {}
    name = _name_of(credential)
    issuer = _name_of(credential.get("issuer")) or _id_of(credential.get("issuer"))
    issuer = issuer or words["unnamed-issuer"]
    what = (
        words["what"].format(name=name, issuer=issuer)
        if name
        else words["what-unnamed"].format(issuer=issuer)
    )
    has_warning = any(check.status == "warning" for check in result.checks)
    return words["valid-warning" if has_warning else "valid"].format(what=what)


_DATE_MEMBERS = {
    "valid-until": ("expired-on", ("validUntil", "expirationDate", "expires")),
    "valid-from": ("valid-on", ("validFrom", "issuanceDate", "issuedOn")),
}


def _dated(check: WordedCheck, language: Language) -> str | None:
    """An expiry or start in the future, with its date."""
    if check.status != "failed" or check.code not in _DATE_MEMBERS:
        return None
    key, members = _DATE_MEMBERS[check.code]
    value = next((check.detail[m] for m in members if isinstance(check.detail.get(m), str)), None)
    if not isinstance(value, str):
        return None
    return _HEADLINES[language][key].format(date=_long_date(value, language))


def _long_date(value: str, language: Language) -> str:
    """The day an XSD dateTime names, as its reader writes it: « 28 novembre 2026 »."""
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return value[:10]
    return format_date(day, "long", locale="fr_CA" if language == "fr" else "en_CA")


def _id_of(value: object) -> str | None:
    found = value.get("id") if isinstance(value, dict) else value
    return found if isinstance(found, str) else None


def _name_of(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    name = value.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    subject = value.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return _name_of(achievement) if isinstance(achievement, dict) else None
