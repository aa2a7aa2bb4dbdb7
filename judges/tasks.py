"""Celery tasks of the judges app: ids in, a service call. Safe to run twice (the call is
claimed with a conditional update). Services import this module at the top; the tasks import
their service inside the body (HackSoft's rule), so there is no import cycle."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="judges.run_judge_call")
def run_judge_call(call_id: int) -> str:
    from judges.services import judge_call_run

    return judge_call_run(call_id=call_id)


@shared_task(name="judges.run_generation")
def run_generation(generation_id: int) -> str:
    from judges.collect import generation_run

    return generation_run(generation_id=generation_id)
