"""Entering a study: Prolific parameters, signed invites, anonymous links."""

from __future__ import annotations

import pytest
from django.core import signing

from comparisons.errors import InvalidInput
from raters import services
from raters.errors import Refused
from raters.models import Rater, StudyRaterSettings
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


def test_prolific_parameters_create_a_rater_and_entering_again_resumes_it(study):
    first = services.rater_enter_prolific(study=study, pid="5f1a2b", prolific_study_id="S1", session_id="X1")
    again = services.rater_enter_prolific(study=study, pid="5f1a2b", prolific_study_id="S1", session_id="X2")
    assert first.pk == again.pk and first.source == Rater.Source.PROLIFIC and first.group == "crowd"
    assert Rater.objects.get(pk=first.pk).prolific_session_id == "X2"
    assert Rater.objects.count() == 1


@pytest.mark.parametrize(("pid", "field"), [("", "PROLIFIC_PID"), ("a b", "PROLIFIC_PID"), ("<x>", "PROLIFIC_PID")])
def test_a_malformed_prolific_id_is_refused_naming_the_parameter(study, pid, field):
    with pytest.raises(InvalidInput) as exc:
        services.rater_enter_prolific(study=study, pid=pid)
    assert exc.value.errors[0].field == field
    assert not Rater.objects.exists()


def test_a_malformed_session_id_is_refused(study):
    with pytest.raises(InvalidInput) as exc:
        services.rater_enter_prolific(study=study, pid="ok", session_id="x" * 101)
    assert exc.value.errors[0].field == "SESSION_ID"


def test_an_invite_link_enters_its_named_rater_and_only_in_its_study(study):
    rater, token = services.invite_create(study=study, name="dr.smith", group="expert")
    entered = services.rater_enter_invite(study=study, token=token)
    assert entered.pk == rater.pk and entered.source == Rater.Source.INVITE and entered.group == "expert"
    with pytest.raises(Refused):
        services.rater_enter_invite(study=StudyFactory(), token=token)


def test_a_forged_or_altered_invite_is_refused(study):
    _, token = services.invite_create(study=study, name="alice")
    forged = signing.dumps({"s": study.pk, "n": "mallory"}, salt="another-salt")
    for bad in (token[:-2] + "xx", forged, "garbage"):
        with pytest.raises(Refused):
            services.rater_enter_invite(study=study, token=bad)
    assert list(Rater.objects.values_list("external_id", flat=True)) == ["alice"]


def test_anonymous_entry_needs_the_study_to_allow_it(study):
    with pytest.raises(Refused):
        services.rater_enter_anonymous(study=study)
    StudyRaterSettings.objects.filter(study=study).update(allow_anonymous=True)
    study.refresh_from_db()
    one, two = services.rater_enter_anonymous(study=study), services.rater_enter_anonymous(study=study)
    assert one.pk != two.pk and one.source == two.source == Rater.Source.ANONYMOUS


def test_consent_is_recorded_once(study):
    rater = services.rater_enter_prolific(study=study, pid="p1")
    first = services.rater_consent(rater=rater).consented_at
    assert first is not None
    assert services.rater_consent(rater=rater).consented_at == first


def test_settings_are_created_with_lima_defaults_the_first_time():
    study = StudyFactory()
    settings = services.rater_settings_get(study=study)
    assert settings.quota == 20 and settings.lease_minutes == 10 and not settings.allow_anonymous
    assert len(settings.completion_code) == 8
    assert services.rater_settings_get(study=study).pk == settings.pk
