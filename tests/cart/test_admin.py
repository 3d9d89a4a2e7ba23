"""Cart admin: list and change pages render with few queries."""

import pytest

from cart.models import Cart
from tests.factories import CartItemFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_cart_changelist_and_change_page(client, django_assert_max_num_queries):
    # Given 10 user carts with a line each, and a staff member
    carts = [Cart.objects.create(user=UserFactory()) for _ in range(10)]
    for cart in carts:
        CartItemFactory(cart=cart)
    client.force_login(StaffFactory())
    # When the changelist is opened / Then it lists them with a bounded number of queries
    with django_assert_max_num_queries(8):
        response = client.get("/admin/cart/cart/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 10
    # When one cart is opened / Then its lines show
    change = client.get(f"/admin/cart/cart/{carts[0].pk}/change/")
    assert change.status_code == 200
    assert change.context["inline_admin_formsets"][0].formset.queryset.count() == 1
