"""Named errors of the compliance domain (raised by its models and services)."""

from __future__ import annotations

from kernel.errors import Conflict, NotFound


class CredentialNotFound(NotFound):
    slug = "credential-not-found"


class CredentialAlreadyDecided(Conflict):
    slug = "credential-already-decided"


class DuplicateCredential(Conflict):
    slug = "duplicate-credential"


class DuplicateRecognition(Conflict):
    slug = "duplicate-recognition"


class DuplicateRequirement(Conflict):
    slug = "duplicate-requirement"


class RecognitionNotFound(NotFound):
    slug = "recognition-not-found"


class RequirementNotFound(NotFound):
    slug = "requirement-not-found"
