"""Reads for audits: who audits, what each staff member may see, a reply's context."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from audits.models import Audit, Guideline
from qa.models import Message

AUDIT_PERMISSION = "audits.audit_replies"


def guideline_current() -> Guideline | None:
    """The guideline new samples are scored against: the newest active one."""
    return Guideline.objects.filter(active=True).order_by("-created_at", "-id").first()


def audit_auditors() -> list:
    """Active staff granted "Can audit staff replies" (directly or by a group).
    Superusers may score too, but are not handed a share of every sample."""
    permission = Permission.objects.filter(content_type__app_label="audits", codename="audit_replies")
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(user_permissions__in=permission) | Q(groups__permissions__in=permission))
        .distinct()
        .order_by("pk")
    )


def user_is_auditor(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(AUDIT_PERMISSION)


def audit_may_score(user, audit: Audit) -> bool:
    """Auditors score any reply but their own."""
    return user_is_auditor(user) and audit.author_id != user.pk


def audit_may_view(user, audit: Audit) -> bool:
    """Auditors see every audit; other staff see the scored audits of their own replies."""
    if user_is_auditor(user):
        return True
    return user.is_active and user.is_staff and audit.author_id == user.pk and audit.state == Audit.State.DONE


def audit_list_for(user) -> QuerySet[Audit]:
    audits = Audit.objects.select_related(
        "author__staff_profile", "auditor__staff_profile", "guideline", "message__question"
    )
    if user_is_auditor(user):
        return audits
    if not (user.is_active and user.is_staff):
        return audits.none()
    return audits.filter(author=user, state=Audit.State.DONE)


def audit_reply_context(audit: Audit, *, before: int = 3) -> list[Message]:
    """The reply and what the customer had said before it (the messages it
    answers), oldest first; internal notes stay out of an audit."""
    reply = audit.message
    earlier = list(
        Message.objects.filter(question_id=reply.question_id)
        .exclude(kind=Message.Kind.NOTE)
        .filter(Q(created_at__lt=reply.created_at) | Q(created_at=reply.created_at, id__lt=reply.id))
        .select_related("author__staff_profile", "person")
        .order_by("-created_at", "-id")[:before]
    )
    return [*reversed(earlier), reply]


def audit_scores(audit: Audit) -> list:
    return list(audit.scores.select_related("criterion"))
