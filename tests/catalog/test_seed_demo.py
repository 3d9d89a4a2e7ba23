"""``manage.py seed_demo``: a realistic demo catalog, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Address, User
from catalog import demo_data
from catalog.models import Category, Product, StockLevel

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "categories": Category.objects.count(),
        "products": Product.objects.count(),
        "stock": StockLevel.objects.count(),
        "users": User.objects.count(),
        "addresses": Address.objects.count(),
    }


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_twice_creates_everything_once():
    # Given an empty database / When the seed runs twice
    first_output = seed()
    after_first = counts()
    second_output = seed()
    # Then exact counts, unchanged by the second run
    expected = {"categories": 5, "products": 45, "stock": 45, "users": 2, "addresses": 1}
    assert after_first == expected
    assert counts() == expected
    assert "5 categories (5 new), 45 products (45 new, 45 stock levels set)" in first_output
    assert "5 categories (0 new), 45 products (0 new, 0 stock levels set)" in second_output
    assert "admin@example.com / admin" in second_output


def test_seed_has_realistic_mix_of_stock_and_prices():
    # Given the seed / When it has run
    seed()
    states = [p.stock_state for p in Product.objects.for_listing()]
    # Then at least 4 categories, 40 products, some low and a few out of stock, positive prices
    assert Category.objects.count() >= 4
    assert len(states) >= 40
    assert states.count("out") == 5
    assert states.count("low") == 9
    assert states.count("in_stock") == 31
    assert not Product.objects.filter(price__lte=0).exists()
    assert len({p[0] for p in demo_data.PRODUCTS}) == len(demo_data.PRODUCTS)


def test_seed_keeps_stock_sold_since_and_resets_demo_passwords():
    # Given a seeded shop where stock was sold and the admin password changed
    seed()
    StockLevel.objects.filter(product__sku="COF-001").update(quantity=7)
    admin = User.objects.get(email="admin@example.com")
    admin.set_password("changed")
    admin.save()
    # When the seed runs again
    seed()
    # Then the stock is left alone and the printed credentials work again
    assert StockLevel.objects.get(product__sku="COF-001").quantity == 7
    admin.refresh_from_db()
    assert admin.check_password("admin")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    shopper = User.objects.get(email="shopper@example.com")
    assert shopper.check_password("shopper")
    assert shopper.is_staff is False
    assert shopper.addresses.get().is_default is True


def test_demo_admin_can_log_in_to_admin(client):
    # Given the seed / When the demo admin logs in to /admin/ / Then the product list works
    seed()
    assert client.login(username="admin@example.com", password="admin")
    response = client.get("/admin/catalog/product/")
    assert response.status_code == 200
    assert "45 products" in response.content.decode()
