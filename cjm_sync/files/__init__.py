"""Journey files: YAML round trip with comments, JSON, migrations, atomic saves."""

from cjm_sync.files.journey_file import (
    JourneyChangedError,
    LoadedJourney,
    atomic_write,
    check_file_writable,
    file_format,
    journey_data,
    load_journey,
    parse_journey,
    render_journey,
    save_journey,
)

__all__ = [
    "JourneyChangedError",
    "LoadedJourney",
    "atomic_write",
    "check_file_writable",
    "file_format",
    "journey_data",
    "load_journey",
    "parse_journey",
    "render_journey",
    "save_journey",
]
