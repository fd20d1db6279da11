"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import uuid

import factory

from accounts.models import Membership, Role, User
from tenants.models import Subject

PASSWORD = "Tutor-pass-2026"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.LazyFunction(lambda: f"{unique('person')}@example.org")
    last_name = factory.Iterator(["Иванова", "Петров", "Смирнова", "Кузнецов", "Соколова"])
    first_name = factory.Iterator(["Анна", "Сергей", "Мария", "Олег", "Елена"])
    patronymic = factory.Iterator(["Петровна", "Иванович", "Андреевна", "Николаевич", "Викторовна"])
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.TEACHER


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    name = factory.LazyFunction(lambda: unique("Предмет"))
    code = factory.LazyFunction(lambda: unique("subj"))


def api_token(user: User) -> str:
    """A new API token for ``user`` (django-rest-knox: only its digest is stored)."""
    from knox.models import AuthToken

    return AuthToken.objects.create(user=user)[1]
