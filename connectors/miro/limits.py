"""Limits the official Miro spec states, checked where a value is produced (never by a failed write).

From ``specs/miro/miro-v2.json``: a connector caption's ``content`` is at most 200 characters
(``Caption.properties.content.maxLength``) and a connector takes at most 20 captions
(``ConnectorCreationData.properties.captions.maxItems``); a tag title is at most 120 characters
(``TagCreateRequest.properties.title.maxLength``); card and sticky-note items take up to 8 tags
("Attach tag to item"); a bulk create takes 1–20 items (:data:`~connectors.miro.resources.BULK_LIMIT`).
The spec states no length limit for sticky, shape, text or card content, nor a count of app-card fields.

Values from the journey file are checked by ``validate`` (and before every sync), each problem naming
the file, line and field (:func:`limit_problems`); board state the tool cannot change (a badge already
carrying a team's tags) is handled by the planner, which skips the one write that cannot fit and says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from cjm_sync.schema import Journey
from connectors.miro.richtext import to_html

CAPTION_MAX = 200
"""Characters of one connector caption's ``content`` (rich text, so markup counts)."""
CAPTIONS_MAX = 20
"""Captions on one connector."""
TAG_TITLE_MAX = 120
"""Characters of a tag title (ours are a fixed vocabulary: ``channel: <value>``, ``moment of truth``,
``cjm-sync: conflict``; none comes from a journey file)."""
TAGS_PER_ITEM = 8
"""Tags on one card or sticky note."""

Path = tuple[str | int, ...]


def _caption_problems(journey: Journey) -> Iterator[tuple[Path, str]]:
    for i, tp in enumerate(journey.touchpoints):
        for j, connection in enumerate(tp.connections):
            if not connection.label:
                continue
            size = len(to_html(connection.label))
            if size > CAPTION_MAX:
                yield (
                    ("touchpoints", i, "connections", j, "label"),
                    f"too long for a Miro connector caption: {size} characters as Miro stores it "
                    f"(paragraph markup and escaped <, >, & count), at most {CAPTION_MAX}; "
                    f"shorten it by {size - CAPTION_MAX}",
                )


def limit_problems(journey: Journey) -> list[tuple[Path, str]]:
    """Every value of ``journey`` that Miro would refuse, as ``(path, message)`` (see the module docstring)."""
    return list(_caption_problems(journey))
