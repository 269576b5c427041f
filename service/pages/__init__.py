"""The HTML faces of Insigne: badge pages, the earner's page, the verify page, their pictures."""
