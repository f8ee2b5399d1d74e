"""API tokens that stop working SUPPORTDESK_TOKEN_SECONDS after they were issued (R18)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from accounts import twofactor

EXPIRED = _("Das Token ist abgelaufen. Fordern Sie unter /api/v1/auth/token/ ein neues an.")


def token_expired(token) -> bool:
    lifetime = datetime.timedelta(seconds=settings.SUPPORTDESK_TOKEN_SECONDS)
    return token.created + lifetime <= timezone.now()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token (header `Authorization: Token …`), refused once expired; refused too to a role
    that needs two-factor while the person has none (SUPPORTDESK_REQUIRE_2FA_ROLES)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise AuthenticationFailed(EXPIRED)
        if twofactor.required(user) and not twofactor.is_on(user):
            raise PermissionDenied(twofactor.ENROL_FIRST)
        return user, token
