"""Every history row: a reason (R9) and its link in the object's hash chain (R11)."""

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from audit.chain import GENESIS, row_hash
from audit.models import HistoryRow

DEFAULT_REASONS = {"+": "created", "~": "changed"}


@receiver(pre_create_historical_record)
def link_history_row(sender, instance, history_instance, **kwargs):
    if not isinstance(history_instance, HistoryRow):
        return
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = DEFAULT_REASONS.get(history_instance.history_type, "changed")
    # The live row is locked by the UPDATE (or just INSERTed) in this transaction,
    # so nobody else can append to this object's chain until we commit.
    previous = (
        sender.objects.filter(id=instance.pk)
        .order_by("-history_id")
        .values_list("history_hash", flat=True)
        .first()
    )
    history_instance.history_hash = row_hash(history_instance, previous or GENESIS)


@receiver(post_create_historical_record)
def move_chain_head(sender, instance, history_instance, **kwargs):
    if not isinstance(history_instance, HistoryRow):
        return
    type(instance)._base_manager.filter(pk=instance.pk).update(audit_head=history_instance.history_hash)
    instance.audit_head = history_instance.history_hash
    # The reason and user stick to the instance otherwise and would label the next save.
    for attribute in ("_change_reason", "_history_user"):
        instance.__dict__.pop(attribute, None)
