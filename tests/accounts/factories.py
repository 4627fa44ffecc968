import datetime
import secrets

import factory
from django.utils import timezone

from ctg.accounts.enums import Role
from ctg.accounts.models import DepartementAccess, Invitation, Membership, User
from ctg.accounts.services import invitation_token_hash
from tests.conventions.factories import ConventionFactory
from tests.territories.factories import DepartementFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"personne{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@exemple.invalid")
    first_name = "Prénom"
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    password = factory.django.Password("mot-de-passe-de-test")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    convention = factory.SubFactory(ConventionFactory)
    role = Role.LECTEUR


class DepartementAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartementAccess

    user = factory.SubFactory(UserFactory)
    departement = factory.SubFactory(DepartementFactory)


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation whose clear token is `invitation.token` (the database keeps only its hash)."""

    class Meta:
        model = Invitation
        skip_postgeneration_save = True

    convention = factory.SubFactory(ConventionFactory)
    email = factory.Sequence(lambda n: f"invite{n}@exemple.invalid")
    role = Role.LECTEUR
    token_hash = factory.Sequence(lambda n: f"provisoire-{n}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))

    class Params:
        expired = factory.Trait(expires_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1)))

    @factory.post_generation
    def token(obj, create, extracted, **kwargs):
        obj.token = extracted or secrets.token_urlsafe(16)
        obj.token_hash = invitation_token_hash(obj.token)
        if create:
            obj.save(update_fields=["token_hash"])
