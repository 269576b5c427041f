"""The link-preview crawlers that get a badge page's HTML whatever their ``Accept``.

LinkedIn, Facebook, Teams, Slack, WhatsApp... fetch a shared link with ``Accept: */*`` or no
``Accept`` at all, which content negotiation answers with JSON-LD: the post then shows a bare
link. They are known by their User-Agent (as Badgr does); every other machine (``curl``,
libraries, verifiers) keeps getting JSON-LD. This list is the one place to add an agent.
"""

import re

PREVIEW_AGENTS: tuple[str, ...] = (
    "LinkedInBot",
    "facebookexternalhit",
    "Facebot",
    "meta-externalagent",
    "Twitterbot",
    "Slackbot",  # Slackbot-LinkExpanding
    "SkypeUriPreview",  # Microsoft Teams and Skype
    "MicrosoftPreview",  # Outlook and Teams on the web
    "WhatsApp",
    "Discordbot",
    "TelegramBot",
    "Googlebot",
    "Google-InspectionTool",
    "bingbot",
    "Applebot",
    "Mastodon",
    "Bluesky",  # Bluesky's card fetcher (Cardyb)
    "redditbot",
    "Pinterestbot",
    "Embedly",
    "Iframely",
)
"""User-Agent tokens, matched case-insensitively anywhere in the header."""

_PATTERN = re.compile("|".join(re.escape(agent) for agent in PREVIEW_AGENTS), re.IGNORECASE)


def is_preview_crawler(user_agent: str | None) -> bool:
    """Whether a User-Agent is a link-preview crawler or search engine that wants the page."""
    return bool(user_agent) and _PATTERN.search(user_agent or "") is not None
