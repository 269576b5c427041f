"""Credentials: a completion in, a signed badge out, and what becomes of it.

Completions and their rules, awards (exactly one credential per completion), building and
signing the document, status lists and a credential's lifecycle, the earner's controls, the
registry of issued credentials, the documents Insigne publishes, and the continuing-education
transcripts that gather a period's badges (hours, periods, lines, attestations). Modules only,
no re-exports: import each module by its own path.
"""
