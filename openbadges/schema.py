"""JSON Schema checks of credentials (1EdTech publishes OB 3.0's as draft 2019-09).

1EdTech's AchievementCredential schema is not published in any registry package, so it is
not bundled: the caller passes it (``python -m openbadges verify --schema FILE``, or a service
setting). https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json
"""

from pathlib import Path

import jsonschema_rs

from openbadges.errors import InvalidDocument
from openbadges.jsontypes import JSONObject, loads

__all__ = ["SchemaValidator"]

_MAX_ERRORS = 10


class SchemaValidator:
    """A compiled JSON Schema.

    Args:
        schema: the schema document; its ``$schema`` picks the draft.

    Raises:
        InvalidDocument: the schema itself is invalid.
    """

    def __init__(self, schema: JSONObject) -> None:
        try:
            self._validator = jsonschema_rs.validator_for(schema)
        except (ValueError, jsonschema_rs.ValidationError) as error:
            raise InvalidDocument(f"invalid JSON Schema: {error}") from error
        self.id: str = str(schema.get("$id", ""))

    @classmethod
    def from_file(cls, path: Path) -> "SchemaValidator":
        """Load and compile a schema file."""
        return cls(loads(path.read_bytes()))

    def errors(self, document: object) -> list[str]:
        """Where `document` breaks the schema (at most ten messages; empty when it conforms)."""
        found = []
        for error in self._validator.iter_errors(document):
            path = "/".join(str(part) for part in error.instance_path) or "(root)"
            found.append(f"{path}: {error.message}")
            if len(found) == _MAX_ERRORS:
                break
        return found
