from django.http import HttpRequest


def cart_summary(request: HttpRequest) -> dict:
    """Cart item count for the navigation bar (one cheap query, lazily)."""
    try:
        from cart.services import cart_count
    except ImportError:  # pragma: no cover - until the cart app lands
        return {"cart_count": 0}
    return {"cart_count": lambda: cart_count(request)}
