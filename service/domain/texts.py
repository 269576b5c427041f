"""Every message the service says to API clients, by code, in English and French.

A domain error carries a `Said` (a code and its parameters), never a finished sentence; the
edge renders it in the reader's language with `say`. The English is what the API has always
answered; named values (slugs, ids, limits) are kept as they are in both languages.

To add a message: add its code here with both texts (``str.format`` templates over the same
parameters; a parameter worded per language ends in ``_en`` and ``_fr``; a parameter that is
itself a `Said` is said in the same language), then raise
``SomeError(Said("the-code", name=value))``. The test
``tests/service/test_texts.py`` names any code that lacks a language or a parameter.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Language = Literal["en", "fr"]


@dataclass(frozen=True)
class Said:
    """A message by code: `TEXTS` words it; ``str()`` gives the English."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __init__(self, code: str, /, **params: object) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", params)

    def __str__(self) -> str:
        return say(self, "en")


def say(message: "Said | str", language: Language) -> str:
    """`message` in `language`; a plain string (a library's or framework's words) as it is."""
    if isinstance(message, str):
        return message
    english, french = TEXTS[message.code]
    params = {
        name: say(value, language) if isinstance(value, Said) else value
        for name, value in message.params.items()
    }
    return (french if language == "fr" else english).format(**params)


TEXTS: dict[str, tuple[str, str]] = {  # code: English, French
    # Things that are not there (or that the caller may not know are there).
    "no-such-credential": ("no such credential", "introuvable"),
    "no-such-evidence": ("no such evidence", "introuvable"),
    "no-such-status-list": ("no such status list", "introuvable"),
    "no-such-issuer": ("no such issuer", "introuvable"),
    "no-such-document": ("no such document", "introuvable"),
    "no-such-achievement": ("no such achievement", "badge introuvable"),
    "no-such-image": ("no such image", "image introuvable"),
    "no-such-client": ("no such client", "client introuvable"),
    "no-such-delivery": ("no such delivery", "livraison introuvable"),
    "no-such-webhook-endpoint": ("no such webhook endpoint", "point de livraison introuvable"),
    "no-such-learner": ("no such learner", "apprenant introuvable"),
    "no-such-management-link": ("no such management link", "lien de gestion introuvable"),
    "no-such-xapi-mapping": ("no such xAPI mapping", "correspondance xAPI introuvable"),
    "no-shared-statistics": (
        "no such issuer, or its statistics are not shared with this client",
        "émetteur introuvable, ou ses statistiques ne sont pas partagées avec ce client",
    ),
    "achievement-unknown": ("no achievement {slug!r}", "aucun badge {slug!r}"),
    "issuer-unknown": ("no issuer {slug!r}", "aucun émetteur {slug!r}"),
    "issuers-unknown": ("no issuer {slugs}", "aucun émetteur {slugs}"),
    "issuer-not-administered": (
        "no issuer {slug!r} you administer",
        "aucun émetteur {slug!r} que vous administrez",
    ),
    "issuer-key-unknown": (
        "issuer {slug!r} has no key {key!r}",
        "l'émetteur {slug!r} n'a pas de clé {key!r}",
    ),
    "client-unknown": ("no client {client_id!r}", "aucun client {client_id!r}"),
    "http-not-found": ("Not Found", "introuvable"),
    "http-method-not-allowed": ("Method Not Allowed", "méthode non permise pour cette adresse"),
    # Who is asking.
    "token-required": (
        "a bearer access token is required (see POST /oauth/token)",
        "un jeton d'accès Bearer est requis (voir POST /oauth/token)",
    ),
    "portfolio-token-required": (
        "a bearer access token with the portfolio:read scope is required",
        "un jeton d'accès Bearer avec la portée portfolio:read est requis",
    ),
    "platform-client-required": (
        "a platform client is required",
        "un client de plateforme est requis",
    ),
    "token-invalid": ("invalid access token", "jeton d'accès invalide"),
    "token-expired": ("the access token has expired", "le jeton d'accès a expiré"),
    "client-credentials-invalid": (
        "invalid client credentials",
        "identifiants du client invalides",
    ),
    "scope-missing": (
        "this token lacks the {scope!r} scope",
        "ce jeton n'a pas la portée {scope!r}",
    ),
    # How often.
    "too-many-verifications": (
        "too many verification requests ({limit}); a bearer token raises the limit",
        "trop de demandes de vérification ({limit}) ; un jeton Bearer relève la limite",
    ),
    "too-many-graphql": (
        "too many GraphQL requests ({limit}); a bearer token raises the limit",
        "trop de requêtes GraphQL ({limit}) ; un jeton Bearer relève la limite",
    ),
    "too-many-pdfs": (
        "too many PDF attestations asked for ({limit}); retry later",
        "trop d'attestations PDF demandées ({limit}) ; réessayez plus tard",
    ),
    "too-many-completions": (
        "too many completion requests ({limit}); retry later",
        "trop de requêtes ({limit}) ; réessayez plus tard",
    ),
    "too-many-token-requests": (
        "too many token requests ({limit}); retry later",
        "trop de requêtes ({limit}) ; réessayez plus tard",
    ),
    "too-many-waiting": (
        "this caller already has {most} slow tasks waiting (other issuers' badges, pictures, "
        "PDFs, transcripts); retry in a moment",
        "cet appelant a déjà {most} tâches lentes en attente (badges d'autres émetteurs, images, "
        "PDF, relevés) ; réessayez dans un instant",
    ),
    "too-many-failures": (
        "too many failed authentications ({limit}); retry later",
        "trop d'authentifications échouées ({limit}) ; réessayez plus tard",
    ),
    "batch-over-limit": (
        "{count} completions exceed this client's limit ({limit}): send them in smaller batches",
        "{count} complétions dépassent la limite de ce client ({limit}) : envoyez-les en lots "
        "plus petits",
    ),
    # Requests that cannot be read.
    "address-unreadable": (
        "the address holds a NUL character or bytes that are not UTF-8",
        "l'adresse contient un caractère NUL ou des octets qui ne sont pas de l'UTF-8",
    ),
    "token-request-malformed": ("malformed token request", "requête de jeton mal formée"),
    "request-malformed": ("malformed request", "requête mal formée"),
    "body-empty": ("the request body is empty", "le corps de la requête est vide"),
    "body-not-utf8": ("the request body is not UTF-8", "le corps de la requête n'est pas en UTF-8"),
    "json-duplicate-key": ("the JSON repeats the key {key}", "le JSON répète la clé {key}"),
    "json-too-deep": (
        "the JSON is nested deeper than {depth} levels",
        "le JSON est imbriqué sur plus de {depth} niveaux",
    ),
    "json-malformed": ("malformed JSON: {reason}", "JSON mal formé : {reason}"),
    "body-media-type": (
        "send the body as application/json (got {got})",
        "envoyez le corps en application/json (reçu : {got})",
    ),
    "picture-media-type": (
        "send the picture as application/octet-stream, image/png or image/svg+xml (got {got})",
        "envoyez l'image en application/octet-stream, image/png ou image/svg+xml (reçu : {got})",
    ),
    "batch-media-type": (
        "send application/json or text/csv (got {got})",
        "envoyez du application/json ou du text/csv (reçu : {got})",
    ),
    "body-too-large": (
        "the request body is larger than {size}",
        "le corps de la requête dépasse {size}",
    ),
    "connection-closed": (
        "the connection closed before the body arrived",
        "la connexion s'est fermée avant l'arrivée du corps de la requête",
    ),
    "fields-invalid": ("one or more fields are invalid", "un ou plusieurs champs sont invalides"),
    "database-unavailable": (
        "the database cannot be reached for a moment; retry shortly",
        "la base de données est injoignable pour un instant ; réessayez sous peu",
    ),
    "internal-error": (
        "an internal error occurred; it was logged",
        "une erreur interne est survenue ; elle a été consignée",
    ),
    # One field's value.
    "field-required": ("is required", "est obligatoire"),
    "field-unknown": ("is not a known field", "n'est pas un champ connu"),
    "field-blank": ("must not be blank", "ne doit pas être vide"),
    "field-blank-when-given": (
        "must not be blank when given",
        "ne doit pas être vide lorsqu'il est fourni",
    ),
    "field-not-clearable": ("cannot be cleared", "ne peut pas être effacé"),
    "field-wrong-type": ("expected {expected}, got {got}", "attendu : {expected} ; reçu : {got}"),
    "text-unstorable": (
        "contains a NUL character or a lone surrogate",
        "contient un caractère NUL ou un demi-caractère UTF-16 isolé",
    ),
    "key-unstorable": (
        "a key holds a NUL or lone surrogate",
        "une clé contient un caractère NUL ou un demi-caractère UTF-16 isolé",
    ),
    "date-in-future": ("is in the future", "est dans le futur"),
    "date-before-2000": ("is before 2000", "est antérieure à 2000"),
    "date-needs-zone": (
        "needs a time zone (RFC 3339)",
        "doit indiquer un fuseau horaire (RFC 3339)",
    ),
    "learner-id-form": ("must be a DID or an absolute URL", "doit être un DID ou une URL absolue"),
    # Completions and the catalogue.
    "achievement-not-in-catalogue": ("unknown achievement {slug!r}", "badge inconnu {slug!r}"),
    "issuer-not-allowed": (
        "this client may not issue for {slug!r}",
        "ce client ne peut pas décerner pour {slug!r}",
    ),
    "prompt-unknown": ("unknown prompt {key!r}", "question inconnue {key!r}"),
    "prompt-answered-twice": (
        "prompt {key!r} is answered twice",
        "la question {key!r} a deux réponses",
    ),
    "prompt-unanswered": (
        "prompt {key!r} must be answered",
        "la question {key!r} doit recevoir une réponse",
    ),
    "achievement-archived-completion": (
        "the achievement {slug!r} is archived: it takes no completion",
        "le badge {slug!r} est archivé : il ne reçoit plus de complétion",
    ),
    "achievement-archived": (
        "the achievement {slug!r} is archived",
        "le badge {slug!r} est archivé",
    ),
    "completion-conflict": (
        "another completion was already recorded under this externalId or Idempotency-Key",
        "une autre complétion a déjà été enregistrée sous cet externalId ou cette Idempotency-Key",
    ),
    "completion-in-progress": (
        "the completion is being recorded; retry shortly",
        "la complétion est en cours d'enregistrement ; réessayez dans un instant",
    ),
    # Verification.
    "verification-one-input": (
        "send exactly one of credential, jwt, url or an image",
        "envoyez exactement un des champs credential, jwt ou url, ou une image",
    ),
    # Refusals of the catalogue, clients, keys and webhooks.
    "grant-type-required": (
        "grant_type is required",
        "grant_type est obligatoire",
    ),
    "grant-type-unsupported": (
        "only client_credentials is supported",
        "seul client_credentials est pris en charge",
    ),
    "credentials-unstorable": (
        "a NUL character or a lone surrogate was sent",
        "un caractère NUL ou un demi-caractère UTF-16 isolé a été envoyé",
    ),
    "basic-client-malformed": (
        "malformed HTTP Basic client credentials",
        "identifiants du client HTTP Basic mal formés",
    ),
    "client-credentials-required": (
        "client credentials are required (HTTP Basic or client_id/client_secret)",
        "les identifiants du client sont requis (HTTP Basic ou client_id/client_secret)",
    ),
    "xapi-credentials-required": (
        "HTTP Basic (client id, secret) or a bearer token",
        "HTTP Basic (identifiant et secret du client) ou un jeton Bearer",
    ),
    "basic-malformed": (
        "malformed HTTP Basic credentials",
        "identifiants HTTP Basic mal formés",
    ),
    "status-lists-busy": (
        "the issuer's status lists are busy; retry the request",
        "les listes de statut de l'émetteur sont occupées ; réessayez la requête",
    ),
    "xapi-mappings-full": (
        "a client may have at most {most} xAPI mappings",
        "un client peut avoir au plus {most} correspondances xAPI",
    ),
    "xapi-mapping-exists": (
        "this client already maps that completed activity; delete it first",
        "ce client a déjà une correspondance pour cette activité terminée ; supprimez-la d'abord",
    ),
    "xapi-statement-conflict": (
        "the statement {id} was stored with other content",
        "la déclaration {id} a été enregistrée avec un autre contenu",
    ),
    "document-gone": (
        "{url} answered 410 Gone",
        "{url} a répondu 410 Gone (retiré)",
    ),
    "kek-mismatch": (
        "the current key-encryption key does not open every sealed secret; nothing changed",
        "la clé de chiffrement de clés actuelle n'ouvre pas tous les secrets scellés ; "
        "rien n'a changé",
    ),
    "track-exists": (
        "a track with this slug, or of this issuer with this name, exists",
        "un parcours existe déjà avec ce slug, ou chez cet émetteur avec ce nom",
    ),
    "track-unknown": (
        "no track {slug!r}",
        "aucun parcours {slug!r}",
    ),
    "scopes-not-granted": (
        "scopes not granted to this client: {scopes}",
        "portées non accordées à ce client : {scopes}",
    ),
    "achievement-exists": (
        "an achievement {slug!r} exists",
        "un badge {slug!r} existe déjà",
    ),
    "level-taken": (
        "level {level} of {track!r} is already {taken!r}",
        "le niveau {level} de {track!r} est déjà {taken!r}",
    ),
    "achievement-changed-concurrently": (
        "changed concurrently (slug, level or version taken); retry",
        "modifié en même temps ailleurs (slug, niveau ou version déjà pris) ; réessayez",
    ),
    "status-list-busy": (
        "the status list is being updated; retry the request",
        "la liste de statut est en cours de mise à jour ; réessayez la requête",
    ),
    "credential-revoked-final": (
        "the credential is revoked, and revocation is final",
        "le badge est révoqué, et la révocation est définitive",
    ),
    "credential-not-suspendable": (
        "this credential was issued without a suspension entry; revoke it",
        "ce badge a été émis sans entrée de suspension ; révoquez-le",
    ),
    "issuer-exists": (
        "an issuer with the slug {slug!r} exists",
        "un émetteur au slug {slug!r} existe déjà",
    ),
    "issuer-creation-needs-admin": (
        "creating an issuer needs the 'admin' scope",
        "créer un émetteur exige la portée 'admin'",
    ),
    "client-disable-refused": (
        "a client cannot disable itself, nor a client holding scopes its token lacks",
        "un client ne peut se désactiver lui-même, ni désactiver un client qui détient des "
        "portées que son jeton n'a pas",
    ),
    "client-scopes-beyond-token": (
        "this client holds scopes your token lacks",
        "ce client détient des portées que votre jeton n'a pas",
    ),
    "grant-beyond-token": (
        "you may grant only the scopes your own token carries",
        "vous ne pouvez accorder que les portées de votre propre jeton",
    ),
    "webhook-endpoints-full": (
        "a client may register at most {most} endpoints",
        "un client peut inscrire au plus {most} points de livraison",
    ),
    "webhook-endpoint-disabled": (
        "the endpoint is disabled ({reason})",
        "le point de livraison est désactivé ({reason})",
    ),
    # Field values of administration and intake.
    "file-picture-suffix": (
        "must end in .png or .svg",
        "doit se terminer par .png ou .svg",
    ),
    "file-unreadable": (
        "cannot be read ({reason})",
        "ne peut pas être lu ({reason})",
    ),
    "verification-file-missing": (
        "attach the baked PNG or SVG as the field 'file'",
        "joignez le PNG ou le SVG cuit dans le champ 'file'",
    ),
    "at-most-characters": (
        "at most {most} characters",
        "au plus {most} caractères",
    ),
    "batch-size": (
        "send 1 to {most} completions",
        "envoyez de 1 à {most} complétions",
    ),
    "csv-not-utf8": (
        "CSV must be UTF-8",
        "le CSV doit être en UTF-8",
    ),
    "csv-missing-columns": (
        "missing columns: {columns}",
        "colonnes manquantes : {columns}",
    ),
    "not-rfc3339": (
        "not an RFC 3339 time",
        "n'est pas une heure RFC 3339",
    ),
    "true-or-false": (
        "true or false",
        "true ou false",
    ),
    "answer-form": (
        "{value!r} is not PROMPT=IRI",
        "{value!r} n'est pas de la forme QUESTION=IRI",
    ),
    "xapi-prompt-needs-activity": (
        "the required prompt {key!r} needs an activity",
        "la question obligatoire {key!r} doit avoir une activité",
    ),
    "xapi-answer-is-completion": (
        "an answer's activity is the completed one",
        "l'activité d'une réponse est l'activité terminée elle-même",
    ),
    "iri-form": (
        "must be an absolute IRI of at most {most} characters",
        "doit être un IRI absolu d'au plus {most} caractères",
    ),
    "xapi-accounts-at-once": (
        "at most {most} accounts at once",
        "au plus {most} comptes à la fois",
    ),
    "xapi-account-form": (
        "homePage and name are required",
        "homePage et name sont obligatoires",
    ),
    "not-a-badge-link": (
        "not a badge link: {url!r}",
        "ce n'est pas un lien de badge : {url!r}",
    ),
    "length-range": (
        "must have 1 to {most} characters",
        "doit avoir de 1 à {most} caractères",
    ),
    "cursor-unknown": (
        "not a cursor this API gave",
        "ce n'est pas un curseur fourni par cette API",
    ),
    "page-range": (
        "1 to {most}",
        "de 1 à {most}",
    ),
    "xapi-statements-form": (
        "send one statement or a non-empty array",
        "envoyez une déclaration ou un tableau non vide",
    ),
    "xapi-statements-per-request": (
        "at most {most} statements per request",
        "au plus {most} déclarations par requête",
    ),
    "xapi-statement-ids-repeat": (
        "two statements of the batch share an id",
        "deux déclarations du lot ont le même id",
    ),
    "slug-form": (
        "must be lowercase letters, digits and dashes (at most 200)",
        "doit être fait de lettres minuscules, de chiffres et de tirets (au plus 200)",
    ),
    "prompt-key-form": (
        "must match [a-z0-9_-]{{1,100}}",
        "doit correspondre à [a-z0-9_-]{{1,100}}",
    ),
    "prompt-key-twice": (
        "{key!r} is used twice",
        "{key!r} est utilisé deux fois",
    ),
    "answer-length-range": (
        "needs 0 ≤ minLength ≤ maxLength ≤ {most}",
        "exige 0 ≤ minLength ≤ maxLength ≤ {most}",
    ),
    "http-url-form": (
        "must be an absolute http(s) URL",
        "doit être une URL http(s) absolue",
    ),
    "at-most-items": (
        "at most {most} (got {count})",
        "au plus {most} (reçu : {count})",
    ),
    "level-range": (
        "must be from 1 to 1000",
        "doit être de 1 à 1000",
    ),
    "issuer-slug-form": (
        "a-z, 0-9 and -",
        "a-z, 0-9 et -",
    ),
    "image-not-fetched": (
        "not fetched",
        "non récupérée",
    ),
    "issuer-own-ancestor": (
        "would make the issuer its own ancestor",
        "ferait de l'émetteur son propre ancêtre",
    ),
    "characters-range": (
        "1 to {most} characters",
        "de 1 à {most} caractères",
    ),
    "not-a-url": (
        "not a URL",
        "n'est pas une URL",
    ),
    "absolute-url-form": (
        "an absolute URL of at most {most} characters",
        "une URL absolue d'au plus {most} caractères",
    ),
    "one-of": (
        "one of {choices}",
        "l'une des valeurs {choices}",
    ),
    "scopes-empty": (
        "at least one scope",
        "au moins une portée",
    ),
    "scopes-unknown": (
        "unknown {unknown}; known: {known}",
        "inconnues : {unknown} ; connues : {known}",
    ),
    "issuers-administered": (
        "one or more issuers, each one you administer",
        "un ou plusieurs émetteurs, chacun administré par vous",
    ),
    "events-unknown": (
        "choose among {events}; unknown: {unknown}",
        "choisissez parmi {events} ; inconnus : {unknown}",
    ),
    "webhook-url-form": (
        "must be an absolute URL of at most {most}",
        "doit être une URL absolue d'au plus {most}",
    ),
    "stats-range-order": (
        "give aware times with from < to",
        "donnez des heures avec fuseau et from < to",
    ),
    "stats-range-days": (
        "at most {most} days after from",
        "au plus {most} jours après from",
    ),
    "answer-length": (
        "needs {least} to {most} characters, has {length}",
        "doit avoir de {least} à {most} caractères ; en a {length}",
    ),
    "level-requires-previous": (
        "level {level} of {track!r} requires level {previous}: this learner holds no active "
        "badge for it",
        "le niveau {level} de {track!r} exige le niveau {previous} : cet apprenant n'en détient "
        "aucun badge actif",
    ),
    "scope-names-unknown": (
        "unknown scopes {unknown}; known: {known}",
        "portées inconnues {unknown} ; connues : {known}",
    ),
    "alignment-type": (
        "must be one of {types} or ext:<name>",
        "doit être l'un de {types} ou ext:<nom>",
    ),
    "url-scheme": ("must be an {schemes_en} URL", "doit être une URL {schemes_fr}"),
    # Wallets: OID4VCI (RFC 6749 error descriptions, English on the wire) and VC-API exchanges.
    "wallet-offer-unknown": ("no such credential offer", "offre de badge introuvable"),
    "wallet-offer-expired": ("this credential offer expired", "cette offre de badge a expiré"),
    "wallet-grant-unsupported": (
        "only the pre-authorized code grant is supported",
        "seul l'octroi par code pré-autorisé est pris en charge",
    ),
    "wallet-code-required": (
        "pre-authorized_code is required",
        "pre-authorized_code est obligatoire",
    ),
    "wallet-code-unknown": ("unknown pre-authorized code", "code pré-autorisé inconnu"),
    "wallet-code-locked": (
        "too many wrong transaction codes: locked",
        "trop de codes de transaction erronés : bloqué",
    ),
    "wallet-code-used": (
        "this pre-authorized code was already used",
        "ce code pré-autorisé a déjà été utilisé",
    ),
    "wallet-code-expired": (
        "this pre-authorized code has expired",
        "ce code pré-autorisé a expiré",
    ),
    "wallet-tx-code-required": (
        "this offer needs its transaction code",
        "cette offre exige son code de transaction",
    ),
    "wallet-tx-code-wrong": ("wrong transaction code", "code de transaction erroné"),
    "wallet-token-required": (
        "a bearer access token is required",
        "un jeton d'accès Bearer est requis",
    ),
    "wallet-token-spent": (
        "the access token was used or has expired",
        "le jeton d'accès a déjà été utilisé ou a expiré",
    ),
    "wallet-token-used": (
        "the access token was already used",
        "le jeton d'accès a déjà été utilisé",
    ),
    "wallet-configuration-unknown": (
        "credential_configuration_id must be {configuration}",
        "credential_configuration_id doit être {configuration}",
    ),
    "wallet-event-unknown": (
        "event must be one of {events}",
        "event doit être l'une des valeurs {events}",
    ),
    "wallet-notification-id-required": (
        "notification_id is required",
        "notification_id est obligatoire",
    ),
    "wallet-notification-id-unknown": ("unknown notification_id", "notification_id inconnu"),
    "body-not-json-object": ("the body must be a JSON object", "le corps doit être un objet JSON"),
    "body-not-json-object-because": (
        "the body must be a JSON object: {reason}",
        "le corps doit être un objet JSON : {reason}",
    ),
    "request-malformed-because": ("malformed request: {reason}", "requête mal formée : {reason}"),
    "proof-type-unsupported": (
        "only jwt proofs are accepted",
        "seules les preuves jwt sont acceptées",
    ),
    "proof-not-compact": ("the proof must be a compact JWT", "la preuve doit être un JWT compact"),
    "proof-not-jwt": ("the proof is not a JWT", "la preuve n'est pas un JWT"),
    "proof-typ": ("the proof's typ must be {typ}", "le typ de la preuve doit être {typ}"),
    "proof-unverified": (
        "the proof does not verify: {reason}",
        "la preuve ne peut pas être vérifiée : {reason}",
    ),
    "proof-iat-stale": ("the proof's iat is not recent", "l'iat de la preuve n'est pas récent"),
    "proof-nonce-stale": (
        "the proof's nonce is missing or stale",
        "le nonce de la preuve est absent ou périmé",
    ),
    "proof-key-unusable": (
        "the proof's key is unusable: {reason}",
        "la clé de la preuve est inutilisable : {reason}",
    ),
    "proof-key-unnamed": (
        "the proof names its key by jwk or a did:key kid",
        "la preuve désigne sa clé par jwk ou par un kid did:key",
    ),
    "credential-not-collectable": (
        "this credential is {status_en}: it cannot be collected into a wallet",
        "ce badge est {status_fr} : il ne peut pas être ajouté à un portefeuille",
    ),
    "no-such-wallet-exchange": ("no such wallet exchange", "échange de portefeuille introuvable"),
    "wallet-exchange-spent": (
        "this wallet offer was already collected, or is being collected another way",
        "cette offre de portefeuille a déjà été récupérée, ou est en cours de récupération "
        "par un autre moyen",
    ),
    "wallet-exchange-expired": (
        "this wallet offer has expired: ask for a new one",
        "cette offre de portefeuille a expiré : demandez-en une nouvelle",
    ),
    "presentation-refused": ("{reason}", "présentation refusée : {reason}"),
    # Transcripts and continuing-education hours.
    "no-such-transcript": ("no such transcript", "relevé introuvable"),
    "transcript-empty": ("no badge in this period", "aucun badge pour cette période"),
    "transcript-empty-for-viewer": (
        "no badge of this learner you may see in this period",
        "aucun badge de cet apprenant que vous pouvez voir pour cette période",
    ),
    "transcript-not-kept": (
        "the transcript could not be kept",
        "le relevé n'a pas pu être conservé",
    ),
    "transcript-issuer-missing": (
        "no issuer signs transcripts (see INSIGNE_TRANSCRIPT_ISSUER)",
        "aucun émetteur ne signe les relevés (voir INSIGNE_TRANSCRIPT_ISSUER)",
    ),
    "learner-reference-form": (
        "must be a learner id or its GraphQL global id",
        "doit être l'identifiant d'un apprenant ou son identifiant global GraphQL",
    ),
    "hours-form": (
        "must be a positive number of quarter hours, at most {most}",
        "doit être un nombre positif de quarts d'heure, au plus {most}",
    ),
    "hours-beyond-achievement": (
        "must not exceed the achievement's {most} hours",
        "ne doit pas dépasser les {most} heures du badge",
    ),
    "period-form": (
        "must be a legal period such as 2025-2027 (1 July of an odd year to 30 June two years "
        "later) or a range of dates such as 2025-07-01/2026-06-30",
        "doit être une période légale comme 2025-2027 (du 1er juillet d'une année impaire au "
        "30 juin deux ans plus tard) ou un intervalle de dates comme 2025-07-01/2026-06-30",
    ),
    "credential-withdrawn": ("this credential was withdrawn", "ce badge a été retiré"),
    # Fetching documents and pictures from elsewhere (safe to show: they name no secret).
    "fetch-status": ("{url} answered {status}", "{url} a répondu {status}"),
    "fetch-failed": (
        "{url} could not be fetched: {reason}",
        "{url} n'a pas pu être récupéré : {reason}",
    ),
    "fetch-redirects": ("{url}: too many redirects", "{url} : trop de redirections"),
    "fetch-not-json": (
        "{url} did not return JSON or a VC-JWT",
        "{url} n'a renvoyé ni du JSON ni un VC-JWT",
    ),
    "fetch-timeout": (
        "{url} gave no complete answer within {seconds} s",
        "{url} n'a pas donné de réponse complète en {seconds} s",
    ),
    "fetch-unreachable": (
        "{url} could not be reached: {reason}",
        "{url} est injoignable : {reason}",
    ),
    "fetch-too-large": ("{url} is larger than {limit} bytes", "{url} dépasse {limit} octets"),
    "url-invalid": ("not a valid URL: {url!r}", "URL invalide : {url!r}"),
    "fetch-https-only": (
        "only https URLs are fetched, not {url!r}",
        "seules les URL https sont récupérées, pas {url!r}",
    ),
    "host-not-public": (
        "{host} denotes {address}, an address that is not public",
        "{host} désigne {address}, une adresse qui n'est pas publique",
    ),
    "host-loopback": (
        "{host} is a loopback name: not public",
        "{host} est un nom de bouclage : il n'est pas public",
    ),
    "image-fetch-failed": (
        "could not be fetched: {reason}",
        "n'a pas pu être récupérée : {reason}",
    ),
    # Pictures (badge images and issuer logos) that are refused.
    "image-media-type": (
        "must be {png} or {svg}, not {got_en}",
        "doit être {png} ou {svg}, pas {got_fr}",
    ),
    "image-too-large": ("is larger than {most} bytes", "dépasse {most} octets"),
    "image-not-png": (
        "is not a PNG (its first bytes are not the PNG signature)",
        "n'est pas un PNG (ses premiers octets ne sont pas la signature PNG)",
    ),
    "image-too-wide": (
        "is {width}×{height}; at most {most}×{most} pixels",
        "mesure {width}×{height} ; au plus {most}×{most} pixels",
    ),
    "image-png-invalid": ("is not a valid PNG ({reason})", "n'est pas un PNG valide ({reason})"),
    "image-too-many-pixels": (
        "is larger than {most}×{most} pixels",
        "dépasse {most}×{most} pixels",
    ),
    "image-not-svg": (
        "is not an SVG document (its root is not an svg element)",
        "n'est pas un document SVG (sa racine n'est pas un élément svg)",
    ),
    "image-svg-unsanitisable": (
        "could not be sanitised ({reason})",
        "n'a pas pu être assainie ({reason})",
    ),
    "image-xml-malformed": (
        "is not well-formed XML without a DTD ({reason})",
        "n'est pas du XML bien formé sans DTD ({reason})",
    ),
    # xAPI statements.
    "xapi-statement-not-object": (
        "a statement is a JSON object",
        "une déclaration est un objet JSON",
    ),
    "xapi-voiding-object": (
        "a voiding statement's object is a StatementRef",
        "l'objet d'une déclaration d'annulation est un StatementRef",
    ),
    "xapi-activity-id-form": (
        "an activity id is an IRI of at most {most} characters",
        "l'id d'une activité est un IRI d'au plus {most} caractères",
    ),
    "xapi-account-too-long": ("homePage or name is too long", "homePage ou name est trop long"),
    "xapi-account-needs-both": ("needs homePage and name", "exige homePage et name"),
    "uuid-form": ("must be a UUID", "doit être un UUID"),
    "field-required-object": ("is required (a JSON object)", "est obligatoire (un objet JSON)"),
    "field-required-iri": ("is required (an IRI)", "est obligatoire (un IRI)"),
    "mailto-form": ("must be a mailto: IRI", "doit être un IRI mailto:"),
    "iso8601-form": ("must be an ISO 8601 date-time", "doit être une date et heure ISO 8601"),
    "json-object-form": ("must be a JSON object", "doit être un objet JSON"),
    "text-at-most": (
        "must be text of at most {most} characters",
        "doit être un texte d'au plus {most} caractères",
    ),
    # A library's words passed on (email-validator, msgspec, a decoder, a key resolver).
    "email-invalid": ("{reason}", "adresse courriel invalide : {reason}"),
    "value-refused": ("{reason}", "valeur refusée : {reason}"),
    "url-unresolvable": ("{reason}", "le lien n'a pas pu être résolu : {reason}"),
    "file-malformed": ("{reason}", "{reason}"),
}
