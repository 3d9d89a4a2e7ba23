"""Token authentication for API clients: ``POST /api/auth/token/`` with email and password."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tokens import ExpiringTokenAuthentication, expires_at, issue_token, revoke_tokens
from shop.api_errors import ApiError, error_responses
from shop.api_policies import ScopedRateThrottle


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`.")
    expires_at = serializers.DateTimeField(
        help_text="After this the token is refused (401): ask for a new one. A password "
        "change also ends it."
    )


class AuthTokenView(APIView):
    """Exchange an email and password for an API token (the same token on every call)."""

    permission_classes = [AllowAny]
    # POST carries the credentials in its body (no session, so no CSRF); DELETE needs the token.
    authentication_classes = [ExpiringTokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Obtain an API token",
        description="Exchange an email and password for an API token (the same token until "
        "it expires, is revoked or the password changes). Too many wrong passwords for an "
        "account or from one client lock logins for a while (429 `locked_out`).",
        request=CredentialsSerializer,
        responses={
            200: TokenSerializer,
            **error_responses(400, codes={401: ["bad_credentials"], 429: ["locked_out"]}),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            # Credentials that don't authenticate: 401, as the schema promises for them.
            raise ApiError(401, "bad_credentials", "Email or password is not correct.")
        token = issue_token(user)
        return Response(
            TokenSerializer({"token": token.key, "expires_at": expires_at(token)}).data,
            status=status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Revoke your API token",
        description="Deletes the token sent in the `Authorization` header; "
        "log in again for a new one.",
        request=None,
        responses={204: None, **error_responses()},
    )
    def delete(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        revoke_tokens(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
