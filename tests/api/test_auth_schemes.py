"""Bearer and Token spellings of the API token; sent-but-not-understood credentials are a 401."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import CartFactory, CartItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_both_keywords_carry_the_token(api, shopper, keyword):
    # given a shopper with one item in their cart and a token
    CartItemFactory(cart=CartFactory(user=shopper), product=ProductFactory(), quantity=3)
    token = Token.objects.create(user=shopper)

    # when they call with either keyword
    response = api.get("/api/cart/", HTTP_AUTHORIZATION=f"{keyword} {token.key}")

    # then they see their own cart
    assert response.status_code == 200
    assert response.json()["item_count"] == 3


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer 0123456789abcdef",
        "Bearer a b",
        "Basic YWRhOnNlY3JldA==",
        "Token",
        "nonsense",
    ],
)
def test_credentials_that_are_not_understood_are_a_401(api, header):
    # given an Authorization header that is malformed, unknown or of another scheme
    # when it is used
    response = api.get("/api/cart/", HTTP_AUTHORIZATION=header)

    # then it is a 401 naming the scheme, never an anonymous empty cart
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "authentication_failed"


def test_no_authorization_header_is_anonymous(api):
    # given no Authorization header
    # when a client reads its cart
    response = api.get("/api/cart/")

    # then it is an anonymous, empty cart
    assert response.status_code == 200
    assert response.json()["item_count"] == 0
