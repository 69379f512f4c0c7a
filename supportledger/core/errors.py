"""The one exception actions raise when a business rule says no."""


class ActionRefused(Exception):
    """An action refused to write. ``code`` is a stable snake_case string
    (the rules' error codes pass through unchanged); ``message`` is for people.
    Nothing was written when this is raised."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
