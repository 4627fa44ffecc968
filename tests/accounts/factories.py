import factory

from ctg.accounts.enums import Role
from ctg.accounts.models import Membership, User
from tests.conventions.factories import ConventionFactory


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
