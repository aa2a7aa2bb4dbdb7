"""A factory per model (factory-boy)."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User

from comparisons.models import Comparison, Prompt, Response, Study, StudySystem, System, UploadJob, pair_key
from comparisons.permissions import RESEARCHERS_GROUP


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")


class ResearcherFactory(UserFactory):
    username = factory.Sequence(lambda n: f"researcher{n}")

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def researcher(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name=RESEARCHERS_GROUP)[0])


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = System
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"model-{n}")


class StudyFactory(factory.django.DjangoModelFactory[Study]):
    """A focal study; pass `systems=[...]` (System objects) to attach more members."""

    class Meta:
        model = Study
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Study {n}")
    slug = factory.Sequence(lambda n: f"study-{n}")
    owner = factory.SubFactory(ResearcherFactory)
    design = Study.Design.FOCAL
    focal_system = factory.SubFactory(SystemFactory)
    seed = 12345

    @factory.post_generation
    def systems(self, create, extracted, **kwargs):
        if not create:
            return
        members = list(extracted or [])
        if self.focal_system and self.focal_system not in members:
            members.insert(0, self.focal_system)
        StudySystem.objects.bulk_create([StudySystem(study=self, system=s) for s in members], ignore_conflicts=True)


class StudySystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudySystem

    study = factory.SubFactory(StudyFactory)
    system = factory.SubFactory(SystemFactory)


class PromptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prompt

    study = factory.SubFactory(StudyFactory)
    external_id = factory.Sequence(lambda n: f"p{n}")
    text = factory.Faker("sentence")


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    prompt = factory.SubFactory(PromptFactory)
    system = factory.SubFactory(SystemFactory)
    text = factory.Faker("paragraph")
    length = factory.LazyAttribute(lambda o: len(o.text))


class ComparisonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comparison

    prompt = factory.SubFactory(PromptFactory)
    study = factory.SelfAttribute("prompt.study")
    left_response = factory.SubFactory(ResponseFactory, prompt=factory.SelfAttribute("..prompt"))
    right_response = factory.SubFactory(ResponseFactory, prompt=factory.SelfAttribute("..prompt"))
    pair_key = factory.LazyAttribute(lambda o: pair_key(o.left_response.system_id, o.right_response.system_id))


class UploadJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UploadJob

    study = factory.SubFactory(StudyFactory)
    created_by = factory.SelfAttribute("study.owner")


# Raters (issue 3): raters, their settings per study, gold pairs.
from raters.models import GoldPair, Rater, StudyRaterSettings  # noqa: E402


class StudyRaterSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyRaterSettings
        django_get_or_create = ("study",)

    study = factory.SubFactory(StudyFactory)
    completion_code = "C0DE42"


class RaterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rater

    study = factory.SubFactory(StudyFactory)
    external_id = factory.Sequence(lambda n: f"PID{n:06d}")
    source = Rater.Source.PROLIFIC


class GoldPairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoldPair

    comparison = factory.SubFactory(ComparisonFactory)
    expected_winner = factory.LazyAttribute(lambda o: o.comparison.left_response.system)


# Judges (issue 6): an LLM judge votes as its own rater (source and group "judge").
from judges.models import Judge  # noqa: E402
from judges.prompting import DEFAULT_TEMPLATE  # noqa: E402


class JudgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judge

    study = factory.SubFactory(StudyFactory)
    name = factory.Sequence(lambda n: f"judge-{n}")
    rater = factory.SubFactory(
        RaterFactory,
        study=factory.SelfAttribute("..study"),
        source=Rater.Source.JUDGE,
        group="judge",
        external_id=factory.LazyAttribute(lambda o: f"judge:{o.factory_parent.name}"),
    )
    base_url = "http://127.0.0.1:9/v1"
    model = "judge-model"
    prompt_template = DEFAULT_TEMPLATE
