"""Email-based user admin."""

import pytest

from accounts.models import User
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_user_admin_is_email_based(staff_client):
    # Given a shopper / When the user admin list, search and add pages open
    UserFactory(email="findme@example.com", full_name="Find Me")
    listing = staff_client.get("/admin/accounts/user/", {"q": "findme"})
    add = staff_client.get("/admin/accounts/user/add/")
    # Then it searches by email and asks for an email, not a username
    assert [u.email for u in listing.context["cl"].result_list] == ["findme@example.com"]
    assert 'name="email"' in add.content.decode()
    assert 'name="username"' not in add.content.decode()


def test_admin_adds_user_with_email(staff_client):
    # Given the add form / When a staff member creates a user
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "full_name": "New Person",
            "usable_password": "true",
            "password1": "Tr1cky-Zebra-Lamp",
            "password2": "Tr1cky-Zebra-Lamp",
        },
    )
    # Then the user exists and can log in
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").check_password("Tr1cky-Zebra-Lamp")
