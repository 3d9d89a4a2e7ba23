"""Account pages: signup and saved addresses (login, logout and passwords are Django's views)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import addresses
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
        user = form.save()
        login(request, user)
        messages.success(request, f"Welcome, {user.get_short_name()}! Your account is ready.")
        return redirect(_safe_next(request))
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


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
        messages.success(request, "Address saved.")
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "adding": True})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, pk: int) -> HttpResponse:
    address = _own_address(request, pk)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        addresses.save_address(request.user, form.save(commit=False))
        messages.success(request, "Address updated.")
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
        messages.success(request, "Address deleted.")
        return redirect("accounts:addresses")
    return render(request, "accounts/address_confirm_delete.html", {"address": address})


@login_required
@require_POST
def address_set_default(request: HttpRequest, pk: int) -> HttpResponse:
    address = addresses.set_default(_own_address(request, pk))
    messages.success(request, f"Default address set to {address.one_line()}.")
    return redirect("accounts:addresses")
