import pytest


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    # Given a fresh database / When the admin login page is requested / Then it renders
    response = client.get("/admin/login/")
    assert response.status_code == 200
