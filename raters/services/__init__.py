"""Writes: every change to raters, assignments and votes goes through these functions."""

from raters.services.assignment import Next, assignment_next, assignments_expire, is_swapped
from raters.services.cycle import Cycle, vote_cycle
from raters.services.entry import (
    invite_create,
    rater_consent,
    rater_enter_anonymous,
    rater_enter_invite,
    rater_enter_prolific,
    rater_settings_get,
    rater_settings_update,
)
from raters.services.quality import gold_remove, gold_set, rater_exclude, rater_include
from raters.services.release import rater_leases_release
from raters.services.render_ahead import render_ahead
from raters.services.voting import VoteResult, vote_submit

__all__ = [
    "Cycle",
    "Next",
    "VoteResult",
    "assignment_next",
    "assignments_expire",
    "gold_remove",
    "gold_set",
    "invite_create",
    "is_swapped",
    "rater_consent",
    "rater_enter_anonymous",
    "rater_enter_invite",
    "rater_enter_prolific",
    "rater_exclude",
    "rater_include",
    "rater_leases_release",
    "rater_settings_get",
    "rater_settings_update",
    "render_ahead",
    "vote_cycle",
    "vote_submit",
]
