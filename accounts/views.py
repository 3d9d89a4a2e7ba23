"""Account pages: signup and saved addresses (login, logout and passwords are Django's views)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import addresses, registration, tokens
from accounts.forms import AddressForm, SignupForm
from accounts.models import Address


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The same answer whether or not the address already has an account: an email says
        # which (accounts.registration).
        registration.register(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
        )
        next_url = _safe_next(request)
        done = reverse("accounts:signup_done")
        return redirect(f"{done}?{urlencode({'next': next_url})}" if next_url != "/" else done)
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


@require_http_methods(["GET"])
def signup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_done.html", {"next": _safe_next(request)})


def _own_address(request: HttpRequest, pk: int) -> Address:
    """The address ``pk`` if it belongs to the current user; 404 otherwise (never 403)."""
    return get_object_or_404(Address, pk=pk, user=request.user)


@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    user_addresses = list(Address.objects.filter(user=request.user))
    return render(request, "accounts/address_list.html", {"addresses": user_addresses})


@login_required
@require_http_methods(["GET", "POST"])
def address_add(request: HttpRequest) -> HttpResponse:
    form = AddressForm(
        request.POST or None, initial={"full_name": request.user.full_name, "country": "DE"}
    )
    if request.method == "POST" and form.is_valid():
        addresses.save_address(request.user, form.save(commit=False))
        messages.success(request, _("Address saved."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "adding": True})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    address = _own_address(request, pk)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        addresses.save_address(request.user, form.save(commit=False))
        messages.success(request, _("Address updated."))
        return redirect("accounts:addresses")
    return render(
        request, "accounts/address_form.html", {"form": form, "address": address, "adding": False}
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    address = _own_address(request, pk)
    if request.method == "POST":
        addresses.delete_address(address)
        messages.success(request, _("Address deleted."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_confirm_delete.html", {"address": address})


@login_required
@require_POST
def address_set_default(request: HttpRequest, pk: int) -> HttpResponse:
    address = addresses.set_default(_own_address(request, pk))
    messages.success(
        request, _("Default address set to %(address)s.") % {"address": address.one_line()}
    )
    return redirect("accounts:addresses")


@login_required
@require_http_methods(["GET"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The account's API token: when it was issued and when it stops working."""
    rows = [
        {"created": token.created, "expires": tokens.expires_at(token), "ending": token.key[-4:]}
        for token in tokens.account_tokens(request.user)
    ]
    return render(request, "accounts/api_tokens.html", {"tokens": rows})


@login_required
@require_POST
def api_tokens_revoke(request: HttpRequest) -> HttpResponse:
    if tokens.revoke_tokens(request.user):
        messages.success(
            request, _("Your API token was revoked. Programs using it are logged out.")
        )
    return redirect("accounts:api_tokens")
