from accounts import roles


def role_flags(request):
    """What the signed-in user may do, so templates show only controls the server would accept."""
    user = request.user
    return {
        "can_work": roles.can_work(user),
        "can_sign": roles.can_sign(user),
        "can_export": roles.can_export(user),
        "can_read": roles.can_read(user),
        "can_read_reports": roles.can_read_reports(user),
        "can_read_outbox": roles.can_read_outbox(user),
    }
