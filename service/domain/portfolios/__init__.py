"""Read models of earned badges: what others are shown of an educator's badges.

Portfolios for platforms (and what they say: levels, competencies), an organisation's
aggregates, and the badge pages. Modules only, no re-exports: import each module by its own
path.
"""
