"""The assistant's exceptions, under one base class; the CLI and the UI turn them into one-line messages."""


class AssistantError(Exception):
    """Base class: ``str(err)`` is one line that says what to do."""


class InvalidValue(AssistantError, ValueError):
    """A setting or argument out of its range (still a ValueError, as before it had a base class)."""


class AccessError(AssistantError):
    """A users file, a password or a login setting is wrong; the message names the file and line or the variable."""


class AuditError(AssistantError):
    """The audit log cannot be written."""


class UploadError(AssistantError):
    """An uploaded file was refused (name, size or count); the message names the file as uploaded."""


class BriefError(AssistantError):
    """A brief cannot be exported as asked (empty, a malformed timestamp, an unknown language)."""


class QuestionError(AssistantError, ValueError):
    """A question the assistant cannot read: empty, without a word, or too long (a ValueError, as before it had a class)."""


class SavedWorkError(AssistantError):
    """The saved briefs and conversations cannot be read or written (a damaged or unwritable SQLite file)."""


class BriefRefused(BriefError):
    """An answer was not added to a brief: it is there already, or it is an abstention (nothing to cite)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "duplicate" or "abstention": the interface says it in the user's language
