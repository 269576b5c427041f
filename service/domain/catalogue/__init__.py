"""The badge catalogue: what a badge is, before anyone earns it.

Achievements and their versions, the rules a definition meets, tracks of ordered levels, and
the pictures of a badge (uploaded or drawn). Modules only, no re-exports: import
``service.domain.catalogue.achievements`` and so on.
"""
