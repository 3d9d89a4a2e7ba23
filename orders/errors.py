"""The business errors of an order's steps that more than one module raises or maps."""


class InvalidOrder(Exception):
    """The order can't be processed as it is (no lines, product gone, totals don't add up)."""


class OrderClosed(Exception):
    """The order is already failed or cancelled: the step must not run."""
