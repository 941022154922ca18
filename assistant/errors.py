"""The assistant's exceptions, under one base class; the CLI and the UI turn them into one-line messages."""


class AssistantError(Exception):
    """Base class: ``str(err)`` is one line that says what to do."""
