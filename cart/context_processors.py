from django.http import HttpRequest

from cart.services import cart_count


def cart_summary(request: HttpRequest) -> dict:
    """Cart item count for the navigation bar (one cheap query, lazily)."""
    return {"cart_count": lambda: cart_count(request)}
