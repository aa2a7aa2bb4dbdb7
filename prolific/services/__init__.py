"""Writes of the Prolific app: linking, syncing, acting on submissions, bonuses."""

from prolific.services.bonuses import bonus_batch_advance, bonus_batch_resolve, bonuses_plan, bonuses_run
from prolific.services.link import link_set, study_url
from prolific.services.submissions import submissions_decide, submissions_store, transition
from prolific.services.sync import prolific_sync, prolific_sync_open, prolific_sync_queue

__all__ = [
    "bonus_batch_advance",
    "bonus_batch_resolve",
    "bonuses_plan",
    "bonuses_run",
    "link_set",
    "prolific_sync",
    "prolific_sync_open",
    "prolific_sync_queue",
    "study_url",
    "submissions_decide",
    "submissions_store",
    "transition",
]
