"""Default study slugs: random words, never built from the study's name (which may name the
systems under evaluation, and is not shown to raters), e.g. "amber-falcon-42"."""

from __future__ import annotations

import secrets

ADJECTIVES = (
    "amber azure brave brisk calm clever coral crisp dapper eager early fair fancy gentle glad golden grand green "
    "happy hazel honest humble ivory jolly keen kind lively lucky lunar merry mild misty modest neat noble olive "
    "plain polite proud quick quiet rapid rosy royal rustic sandy sharp shiny silent silver simple sleek smooth "
    "snowy solar steady sunny swift tidy tranquil upbeat vivid warm wise witty young zesty"
).split()
NOUNS = (
    "acorn anchor badger beacon birch breeze brook canyon cedar comet condor coral crane creek dawn delta dune "
    "eagle ember falcon fern finch fjord forest fox garden gecko glacier harbor hawk heron island jasper kestrel "
    "lagoon lark lichen lotus maple meadow mesa moss nectar oak orchid osprey otter panda pebble pine plover "
    "prairie quartz raven reef river robin sage sparrow spruce summit thistle tiger tulip valley willow wren"
).split()


def random_slug() -> str:
    """Two random words and a number (secrets: not guessable from other slugs)."""
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}-{secrets.randbelow(90) + 10}"
