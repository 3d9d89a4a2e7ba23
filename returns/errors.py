"""The returns' business errors, with stable codes (the API's ``code``, docs/API.md)."""


class ReturnRefused(Exception):
    """A return (or a staff action on one) that the rules don't allow; nothing was written.

    Codes: ``not_delivered``, ``outside_window``, ``nothing_selected``, ``invalid_quantity``,
    ``unknown_line``, ``too_many`` (more than delivered), ``already_returned`` (more than not
    yet returned or asked for), ``reason_required``, ``not_found``, ``wrong_status``,
    ``invalid_condition``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
