"""Every sentence of the pages, in French and in English: one place, one key per sentence."""

from datetime import date, datetime
from typing import Literal

from babel.dates import format_date

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

_LOCALES: dict[Lang, str] = {"fr": "fr_CA", "en": "en_CA"}

TEXT: dict[Lang, dict[str, str]] = {
    "fr": {
        "site": "Insigne",
        "colon": "\u00a0:",
        "skip": "Aller au contenu",
        "language": "Langue",
        "other_language": "English",
        "awarded_to": "Décerné à",
        "awarded_on": "Date d'obtention",
        "hours": "Heures de formation continue",
        "hours_value": "{done} h (sur {available} h)",
        "attest_title": "Attestation de formation continue",
        "attest_intro": (
            "Loi sur l'instruction publique : au moins 30 heures de formation continue par "
            "période de deux années scolaires (du 1er juillet d'une année impaire au 30 juin "
            "deux ans plus tard)."
        ),
        "attest_educator": "Personne enseignante",
        "attest_period": "Période",
        "attest_period_text": "du {start} au {end}",
        "attest_training": "Formation",
        "attest_date": "Date",
        "attest_hours": "Heures",
        "attest_issuer": "Émetteur",
        "attest_total": "Total",
        "attest_obligation": "{total} h sur les {obligation} h exigées",
        "attest_met": "Obligation remplie pour la période.",
        "attest_not_met": "Il manque {missing} h pour remplir l'obligation de la période.",
        "attest_none": "Aucune formation reconnue par un badge valide pendant cette période.",
        "attest_qr": (
            "Balayez le code pour vérifier le relevé signé (CLR 2.0) et chacun des badges "
            "qu'il contient :"
        ),
        "attest_signed_by": "Relevé signé par {issuer} le {date}.",
        "attest_choose": "Choisir la période",
        "attest_from": "Du",
        "attest_to": "au",
        "attest_show": "Afficher",
        "attest_print": "Imprimer",
        "attest_download": "Télécharger",
        "attest_json": "le relevé signé (JSON)",
        "attest_png": "l'image avec le relevé intégré (PNG)",
        "attest_pdf": "l'attestation (PDF)",
        "manage_transcript": "Mon relevé de formation continue (tous mes badges, par période)",
        "summary_transcript": "Relevé de formation continue",
        "summary_transcript_text": (
            "{count} formation(s), {hours} h au total (obligation : {obligation} h), "
            "recalculées à partir des badges"
        ),
        "expires_on": "Expire le",
        "issued_by": "Émis par",
        "level": "Niveau",
        "track": "Parcours",
        "description": "Description",
        "criteria": "Critères d'obtention",
        "alignments": "Compétences visées",
        "framework": "Référentiel",
        "code": "Code",
        "status": "Statut",
        "status_valid": "Valide",
        "status_revoked": "Révoqué",
        "status_suspended": "Suspendu",
        "status_expired": "Expiré",
        "status_valid_text": "Ce badge est valide.",
        "status_revoked_text": "Ce badge a été révoqué par son émetteur le {date}.",
        "status_suspended_text": "Ce badge est suspendu depuis le {date}.",
        "status_expired_text": "Ce badge a expiré le {date}.",
        "reason": "Motif",
        "evidence": "Preuve et attestation de développement professionnel",
        "evidence_private": "Les réponses réflexives sont privées. Le badge en porte "
        "l'empreinte numérique (digestSRI), qui permet de vérifier une réponse présentée "
        "avec l'accord de la personne.",
        "evidence_public_for_good": "Ces réponses ont été partagées lors de l'obtention : "
        "elles font partie du badge signé et restent publiques pour de bon.",
        "verify": "Vérifier ce badge",
        "verify_lead": "Lancez la vérification : Insigne contrôle la signature, l'émetteur, "
        "le statut et les dates, et vous explique chaque résultat.",
        "downloads": "Télécharger",
        "download_json": "Le badge signé (.json)",
        "download_jwt": "Le badge signé en VC-JWT (.jwt)",
        "download_png": "L'image du badge avec le badge intégré (.png)",
        "download_svg": "L'image du badge avec le badge intégré (.svg)",
        "share": "Partager",
        "linkedin": "Ajouter à mon profil LinkedIn",
        "copy_link": "Copier le lien",
        "link_label": "Lien permanent du badge",
        "copied": "Lien copié",
        "qr": "Code QR du lien",
        "qr_alt": "Code QR menant à ce badge",
        "qr_png": "Code QR en PNG (diapositives)",
        "badge_image_alt": "Image du badge « {name} »",
        "issuer_image_alt": "Logo de {name}",
        "card_alt": "Badge « {name} » décerné à {earner} par {issuer}",
        "og_description": "{earner} a obtenu le badge « {name} » décerné par {issuer}.",
        "not_found_title": "Page introuvable",
        "not_found_text": "Aucun badge ni aucune page ne se trouve à cette adresse. Vérifiez "
        "le lien reçu.",
        "gone_title": "Badge retiré",
        "gone_text": "Ce badge a été retiré par son émetteur et n'est plus publié.",
        "error_title": "Erreur",
        "home": "Vérifier un badge",
        "home_link": "Accueil",
        "home_title": "Des badges numériques signés pour les éducateurs",
        "home_lead": "Insigne délivre, héberge et vérifie les badges numériques Open Badges 3.0 "
        "que les réseaux et organismes de formation décernent aux éducateurs : chaque badge est "
        "signé par son émetteur et se vérifie partout, sans compte.",
        "home_verify_lead": "Vous avez reçu un lien, une image ou un fichier de badge ?",
        "home_catalogue": "Les badges de nos émetteurs",
        "home_empty": "Aucun badge n'est encore publié.",
        "home_developers": "Pour les plateformes : l'API REST (OpenAPI) et GraphQL.",
        "home_api": "Documentation de l'API",
        "verify_title": "Vérifier un badge",
        "verify_intro": "Collez le lien d'un badge ou un jeton JWT, ou déposez une image de "
        "badge (PNG, SVG) ou un fichier JSON. Insigne vérifie la signature, l'émetteur, le "
        "statut et les dates.",
        "verify_link": "Lien du badge",
        "verify_jwt": "Jeton VC-JWT",
        "verify_file": "Fichier du badge (PNG, SVG ou JSON)",
        "verify_submit": "Vérifier",
        "verify_one": "Donnez un seul élément : un lien, un jeton ou un fichier.",
        "verdict_valid": "Valide",
        "verdict_invalid": "Non valide",
        "verdict_unverifiable": "Vérification impossible",
        "checks": "Détail des vérifications",
        "check_passed": "Réussi",
        "check_failed": "Échoué",
        "check_warning": "Avertissement",
        "check_skipped": "Non vérifié",
        "summary_badge": "Badge",
        "summary_issuer": "Émetteur",
        "summary_recipient": "Titulaire",
        "summary_valid_from": "Valide depuis",
        "summary_valid_until": "Valide jusqu'au",
        "input_error": "La demande n'a pas pu être traitée",
        "manage_title": "Gérer mon badge",
        "manage_intro": "Ce lien est privé : il vous permet de choisir ce que les autres "
        "voient. Ne le partagez pas. Le badge signé, lui, ne change jamais.",
        "manage_public": "Rendre mes réponses réflexives publiques sur la page du badge",
        "manage_hidden": "Masquer ce badge de mon portfolio",
        "manage_save": "Enregistrer mes choix",
        "manage_saved": "Vos choix sont enregistrés.",
        "manage_view": "Voir la page publique",
        "achievement_awarded_by": "Badge décerné par",
        "issuer_badges": "Badges décernés",
        "footer": "Badges numériques ouverts Open Badges 3.0, signés et vérifiables.",
        "machine_readable": "Version pour les machines (JSON-LD)",
    },
    "en": {
        "site": "Insigne",
        "colon": ":",
        "skip": "Skip to content",
        "language": "Language",
        "other_language": "Français",
        "awarded_to": "Awarded to",
        "awarded_on": "Date awarded",
        "hours": "Continuing-education hours",
        "hours_value": "{done} h (of {available} h)",
        "attest_title": "Continuing-education attestation",
        "attest_intro": (
            "Québec's Education Act: at least 30 hours of continuing education per period of "
            "two school years (from 1 July of an odd year to 30 June two years later)."
        ),
        "attest_educator": "Teacher",
        "attest_period": "Period",
        "attest_period_text": "from {start} to {end}",
        "attest_training": "Training",
        "attest_date": "Date",
        "attest_hours": "Hours",
        "attest_issuer": "Issuer",
        "attest_total": "Total",
        "attest_obligation": "{total} h of the {obligation} h required",
        "attest_met": "The obligation is met for the period.",
        "attest_not_met": "{missing} h are missing to meet the period's obligation.",
        "attest_none": "No training recognised by a valid badge in this period.",
        "attest_qr": (
            "Scan the code to verify the signed transcript (CLR 2.0) and each badge it holds:"
        ),
        "attest_signed_by": "Transcript signed by {issuer} on {date}.",
        "attest_choose": "Choose the period",
        "attest_from": "From",
        "attest_to": "to",
        "attest_show": "Show",
        "attest_print": "Print",
        "attest_download": "Download",
        "attest_json": "the signed transcript (JSON)",
        "attest_png": "the picture with the transcript baked in (PNG)",
        "attest_pdf": "the attestation (PDF)",
        "manage_transcript": "My continuing-education transcript (all my badges, by period)",
        "summary_transcript": "Continuing-education transcript",
        "summary_transcript_text": (
            "{count} training(s), {hours} h in total (obligation: {obligation} h), "
            "recomputed from the badges"
        ),
        "expires_on": "Expires on",
        "issued_by": "Issued by",
        "level": "Level",
        "track": "Track",
        "description": "Description",
        "criteria": "Criteria",
        "alignments": "Aligned competencies",
        "framework": "Framework",
        "code": "Code",
        "status": "Status",
        "status_valid": "Valid",
        "status_revoked": "Revoked",
        "status_suspended": "Suspended",
        "status_expired": "Expired",
        "status_valid_text": "This badge is valid.",
        "status_revoked_text": "This badge was revoked by its issuer on {date}.",
        "status_suspended_text": "This badge has been suspended since {date}.",
        "status_expired_text": "This badge expired on {date}.",
        "reason": "Reason",
        "evidence": "Evidence of professional development",
        "evidence_private": "The reflective answers are private. The badge carries their "
        "digest (digestSRI), which proves an answer shown with the earner's consent.",
        "evidence_public_for_good": "These answers were shared when the badge was earned: "
        "they are part of the signed badge and stay public for good.",
        "verify": "Verify this badge",
        "verify_lead": "Run the verification: Insigne checks the signature, the issuer, the "
        "status and the dates, and explains each result.",
        "downloads": "Download",
        "download_json": "The signed badge (.json)",
        "download_jwt": "The signed badge as a VC-JWT (.jwt)",
        "download_png": "The badge image with the badge baked in (.png)",
        "download_svg": "The badge image with the badge baked in (.svg)",
        "share": "Share",
        "linkedin": "Add to LinkedIn profile",
        "copy_link": "Copy link",
        "link_label": "Permanent link to this badge",
        "copied": "Link copied",
        "qr": "QR code of the link",
        "qr_alt": "QR code leading to this badge",
        "qr_png": "QR code as PNG (for slides)",
        "badge_image_alt": "Image of the badge “{name}”",
        "issuer_image_alt": "Logo of {name}",
        "card_alt": "Badge “{name}” awarded to {earner} by {issuer}",
        "og_description": "{earner} earned the badge “{name}” awarded by {issuer}.",
        "not_found_title": "Page not found",
        "not_found_text": "There is no badge or page at this address. Check the link you received.",
        "gone_title": "Badge withdrawn",
        "gone_text": "This badge was withdrawn by its issuer and is no longer published.",
        "error_title": "Error",
        "home": "Verify a badge",
        "home_link": "Home",
        "home_title": "Signed digital badges for educators",
        "home_lead": "Insigne issues, hosts and verifies the Open Badges 3.0 digital badges that "
        "networks and training organisations award to educators: each badge is signed by its "
        "issuer and can be verified anywhere, with no account.",
        "home_verify_lead": "Received a badge link, image or file?",
        "home_catalogue": "Our issuers' badges",
        "home_empty": "No badge is published yet.",
        "home_developers": "For platforms: the REST API (OpenAPI) and GraphQL.",
        "home_api": "API documentation",
        "verify_title": "Verify a badge",
        "verify_intro": "Paste a badge link or a JWT, or drop a badge image (PNG, SVG) or a "
        "JSON file. Insigne checks the signature, the issuer, the status and the dates.",
        "verify_link": "Badge link",
        "verify_jwt": "VC-JWT token",
        "verify_file": "Badge file (PNG, SVG or JSON)",
        "verify_submit": "Verify",
        "verify_one": "Give exactly one thing: a link, a token or a file.",
        "verdict_valid": "Valid",
        "verdict_invalid": "Not valid",
        "verdict_unverifiable": "Could not be checked",
        "checks": "The checks in detail",
        "check_passed": "Passed",
        "check_failed": "Failed",
        "check_warning": "Warning",
        "check_skipped": "Not checked",
        "summary_badge": "Badge",
        "summary_issuer": "Issuer",
        "summary_recipient": "Earner",
        "summary_valid_from": "Valid from",
        "summary_valid_until": "Valid until",
        "input_error": "The request could not be processed",
        "manage_title": "Manage my badge",
        "manage_intro": "This link is private: it lets you choose what others see. Do not "
        "share it. The signed badge itself never changes.",
        "manage_public": "Make my reflective answers public on the badge page",
        "manage_hidden": "Hide this badge from my portfolio",
        "manage_save": "Save my choices",
        "manage_saved": "Your choices are saved.",
        "manage_view": "See the public page",
        "achievement_awarded_by": "Badge awarded by",
        "issuer_badges": "Badges awarded",
        "footer": "Open Badges 3.0 digital credentials, signed and verifiable.",
        "machine_readable": "Machine-readable version (JSON-LD)",
    },
}


def pick(query: str | None, accept_language: str | None) -> Lang:
    """``?lang=`` first, then the first of fr/en in ``Accept-Language``; French by default."""
    if query in LANGS:
        return "fr" if query == "fr" else "en"
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("fr"):
            return "fr"
        if tag.startswith("en"):
            return "en"
    return "fr"


def long_date(value: object, lang: Lang) -> str:
    """« 20 novembre 2026 » or "November 20, 2026" (CLDR's long date, through Babel).

    A string is read as an XSD/ISO date-time (as credentials carry them) and shown as the day
    it names, in its own offset; a string that is not one is shown as it is. Anything else (a
    verified document may hold any JSON there) shows nothing.
    """
    if isinstance(value, datetime | date):
        return format_date(value, "long", locale=_LOCALES[lang])
    if isinstance(value, str) and value:
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
        return format_date(day, "long", locale=_LOCALES[lang])
    return ""
