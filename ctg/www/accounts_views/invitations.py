"""The invitation e-mail, sent by the members page and by the opening of a convention."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from ctg.accounts.models import Invitation


def send_invitation(request, invitation: Invitation, token: str):
    link = request.build_absolute_uri(reverse("accounts_views:invitation_accept", kwargs={"token": token}))
    context = {"invitation": invitation, "link": link, "inviter": request.user}
    send_mail(
        subject=f"Invitation à rejoindre « {invitation.convention} » sur Pilote CTG",
        message=render_to_string("accounts_views/emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
