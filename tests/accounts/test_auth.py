"""Signup, login, logout, password change and password reset through the real pages."""

import re

import pytest
from django.core import mail

from accounts.models import User
from shop.background import wait_for_background
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Tr1cky-Zebra-Lamp"


def test_signup_creates_user_and_says_to_check_email(client):
    # Given the signup form / When a new shopper submits valid data with a mixed-case email
    response = client.post(
        "/accounts/signup/",
        {
            "email": "Ada.Lovelace@Example.com",
            "full_name": "  Ada   Lovelace ",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    wait_for_background()
    # Then the account exists with a lower-case email, and the shopper is told to check email
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/done/"
    user = User.objects.get()
    assert user.email == "ada.lovelace@example.com"
    assert user.full_name == "Ada Lovelace"
    assert user.check_password(GOOD_PASSWORD)
    assert [m.subject for m in mail.outbox] == ["Your Temporal Shop account is ready"]
    assert "http://127.0.0.1:8000/accounts/login/" in mail.outbox[0].body


def test_signup_honours_safe_next_and_ignores_foreign_next(client):
    # Given a signup started from the checkout / When it succeeds
    response = client.post(
        "/accounts/signup/?next=/checkout/",
        {
            "email": "a@example.com",
            "full_name": "A B",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    # Then the page after it leads to the login, and from there back to the checkout
    assert response["Location"] == "/accounts/signup/done/?next=%2Fcheckout%2F"
    done = client.get(response["Location"]).content.decode()
    assert 'href="/accounts/login/?next=/checkout/"' in done
    # Given another visitor / When the next URL points to another site
    other = client.__class__()
    response = other.post(
        "/accounts/signup/",
        {
            "email": "b@example.com",
            "full_name": "B C",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
            "next": "https://evil.example.com/",
        },
    )
    # Then it is ignored
    assert response["Location"] == "/accounts/signup/done/"


def test_signup_with_a_taken_email_answers_like_a_new_one_and_emails_the_owner(client):
    # Given an existing account
    owner = UserFactory(email="taken@example.com")
    data = {"full_name": "X Y", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    # When someone signs up with the same email in another case, and someone with a new email
    taken = client.post("/accounts/signup/", {**data, "email": "TAKEN@example.com"})
    fresh = client.__class__().post("/accounts/signup/", {**data, "email": "new@example.com"})
    wait_for_background()
    # Then both get the same answer; the owner gets an email saying they have an account,
    # whose password is unchanged
    assert (taken.status_code, taken["Location"]) == (302, "/accounts/signup/done/")
    assert (fresh.status_code, fresh["Location"]) == (302, "/accounts/signup/done/")
    sent = {m.to[0]: m.subject for m in mail.outbox}
    assert sent == {
        "taken@example.com": "You already have a Temporal Shop account",
        "new@example.com": "Your Temporal Shop account is ready",
    }
    owner.refresh_from_db()
    assert owner.check_password("correct-horse-battery")
    assert User.objects.count() == 2


def test_signup_rejects_mismatched_and_weak_passwords(client):
    # Given the signup form / When the passwords differ, then when the password is weak
    mismatch = client.post(
        "/accounts/signup/",
        {
            "email": "c@example.com",
            "full_name": "C",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD + "x",
        },
    )
    weak = client.post(
        "/accounts/signup/",
        {
            "email": "c@example.com",
            "full_name": "C",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    # Then no account is created and each error is explained
    assert "The two password fields didn’t match." in mismatch.content.decode()
    assert "This password is entirely numeric." in weak.content.decode()
    assert User.objects.count() == 0


def test_signup_page_renders_labels_for_every_field(client):
    # Given nothing / When the signup page is opened
    html = client.get("/accounts/signup/").content.decode()
    # Then every input has a label
    for field_id in ("id_email", "id_full_name", "id_password1", "id_password2"):
        assert f'for="{field_id}"' in html


def test_login_with_email_case_insensitive_and_logout(client):
    # Given an account
    user = UserFactory(email="grace@example.com")
    # When the shopper logs in typing the email in upper case
    response = client.post(
        "/accounts/login/", {"username": "GRACE@example.com", "password": "correct-horse-battery"}
    )
    # Then they are logged in and redirected home
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    # When they log out
    response = client.post("/accounts/logout/", follow=True)
    # Then the session is anonymous and a message says so
    assert "_auth_user_id" not in client.session
    assert "You have been logged out." in response.content.decode()


def test_login_with_wrong_password_shows_clear_error(client):
    # Given an account / When the wrong password is given
    UserFactory(email="grace@example.com")
    response = client.post(
        "/accounts/login/", {"username": "grace@example.com", "password": "nope"}
    )
    # Then the form explains it in an alert
    html = response.content.decode()
    assert response.status_code == 200
    assert "That email address and password do not match an account." in html
    assert 'role="alert"' in html
    assert "_auth_user_id" not in client.session


def test_password_change(client):
    # Given a logged-in shopper
    user = UserFactory()
    client.force_login(user)
    # When they change their password
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": GOOD_PASSWORD,
            "new_password2": GOOD_PASSWORD,
        },
    )
    # Then the new one works and they stay logged in
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    assert client.get("/accounts/password/change/done/").status_code == 200


def test_password_reset_by_email(client):
    # Given an account
    user = UserFactory(email="reset@example.com")
    # When a reset is requested
    response = client.post(
        "/accounts/password/reset/", {"email": "reset@example.com"}, HTTP_HOST="localhost:9999"
    )
    wait_for_background()
    # Then one email with a link on SHOP_BASE_URL (never the request's host) is sent
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reset@example.com"]
    assert message.subject == "Reset your Temporal Shop password"
    assert message.alternatives[0][1] == "text/html"
    assert "localhost:9999" not in message.body + message.alternatives[0][0]
    link = re.search(r"http://127.0.0.1:8000(/accounts/password/reset/\S+/\S+/)", message.body)
    assert link is not None
    # When the link is followed and a new password chosen
    response = client.get(link.group(1), follow=True)
    set_url = response.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}
    )
    # Then the password is changed
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(client):
    # Given no account / When a reset is requested
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    wait_for_background()
    # Then the same confirmation is shown (no account enumeration) and no email is sent
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_invalid_reset_link_is_explained(client):
    # Given a forged link / When opened
    response = client.get("/accounts/password/reset/MQ/bad-token/")
    # Then the page explains it no longer works
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_navigation_shows_login_state(client):
    # Given an anonymous visitor / When any page is opened / Then the nav offers login and signup
    html = client.get("/products/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html
    assert '<span id="cart-count">0</span>' in html
    # Given a logged-in shopper / When a page is opened / Then the nav offers account and logout
    client.force_login(UserFactory(email="nav@example.com"))
    html = client.get("/products/").content.decode()
    assert 'href="/accounts/addresses/" title="nav@example.com"' in html
    assert ">Log out</button>" in html
    assert 'href="/accounts/login/"' not in html
    assert 'href="/admin/"' not in html
