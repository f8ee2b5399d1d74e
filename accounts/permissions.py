"""DRF permission classes for the roles (R8). Object checks run after the 404 check (DESIGN §7)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts import roles


class CanRead(BasePermission):
    """Every role may read; only support, management and admin may write."""

    def has_permission(self, request, view):
        if not roles.can_read(request.user):
            return False
        # Writes on a collection are checked here; writes on one object after it was found.
        if request.method in SAFE_METHODS or getattr(view, "detail", False):
            return True
        return roles.can_work(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or roles.can_work(request.user)


class CanSign(CanRead):
    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or roles.can_sign(request.user)
