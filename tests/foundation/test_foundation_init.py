"""``cjm-sync init``: every map type gives a valid, canonical starter journey that fits the type."""

from __future__ import annotations

from pathlib import Path

import pytest
from foundation_helpers import invoke, run_main
from pydantic import ValidationError

from cjm_sync.files import load_journey
from cjm_sync.schema import LaneKind, MapType, Stage, StageKind, is_slug, slugify
from cjm_sync.templates import starter_journey

ALL_TYPES = [t.value for t in MapType]


@pytest.mark.parametrize("map_type", ALL_TYPES)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_every_map_type_inits_valid_and_canonical(tmp_path: Path, map_type: str, suffix: str) -> None:
    path = tmp_path / f"map{suffix}"
    result = invoke("init", "--type", map_type, "-o", path)
    assert result.exit_code == 0, result.output
    assert path.is_file()

    assert invoke("validate", path).exit_code == 0
    check = invoke("fmt", "--check", path)
    assert check.exit_code == 0, check.output

    journey = load_journey(path).journey
    assert journey.map_type.value == map_type
    assert journey.stages, "a starter needs stages"
    assert journey.touchpoints, "a starter needs a touchpoint to copy from"
    assert {tp.stage for tp in journey.touchpoints} <= {s.id for s in journey.stages}
    assert journey.personas
    assert all(p.segment in {s.id for s in journey.segments} for p in journey.personas)


def _lane_kinds(map_type: MapType) -> set[LaneKind]:
    return {lane.kind for lane in starter_journey(map_type).lanes}


def test_service_blueprint_has_front_and_back_stage_lanes(tmp_path: Path) -> None:
    path = tmp_path / "bp.yaml"
    assert invoke("init", "--type", "service_blueprint", "-o", path).exit_code == 0
    kinds = [lane.kind for lane in load_journey(path).journey.lanes]
    assert LaneKind.FRONT_STAGE in kinds
    assert LaneKind.BACK_STAGE in kinds
    assert LaneKind.SUPPORT_PROCESSES in kinds
    # the line of visibility: front stage above back stage
    assert kinds.index(LaneKind.FRONT_STAGE) < kinds.index(LaneKind.BACK_STAGE)


@pytest.mark.parametrize("map_type", [t for t in MapType if t is not MapType.SERVICE_BLUEPRINT])
def test_other_maps_have_no_blueprint_lanes(map_type: MapType) -> None:
    assert not _lane_kinds(map_type) & {LaneKind.FRONT_STAGE, LaneKind.BACK_STAGE, LaneKind.SUPPORT_PROCESSES}


# b2b_tactical maps one cluster of touchpoints in depth (before/during/after a demo), so it has no
# relationship-level exit or win-back stages (docs/decisions.md).
B2B_WITH_LIFECYCLE = [
    "b2b_strategic",
    "b2b_performance",
]


@pytest.mark.parametrize("map_type", B2B_WITH_LIFECYCLE)
def test_b2b_maps_have_exit_and_win_back_stages(tmp_path: Path, map_type: str) -> None:
    path = tmp_path / "b2b.yaml"
    assert invoke("init", "--type", map_type, "-o", path).exit_code == 0
    stages = load_journey(path).journey.stages
    kinds = [s.kind for s in stages]
    assert StageKind.EXIT in kinds
    assert StageKind.WIN_BACK in kinds
    # win-back comes after the customer has left
    assert kinds.index(StageKind.EXIT) < kinds.index(StageKind.WIN_BACK)


def test_chinese_title_gives_readable_chinese_id(tmp_path: Path) -> None:
    path = tmp_path / "zh.yaml"
    run = run_main("--json", "init", "--title", "免费试用 注册旅程", "--persona", "李娜", "-o", path)
    assert run.code == 0, run.stderr
    assert run.json()["id"] == "免费试用-注册旅程"
    journey = load_journey(path).journey
    assert journey.id == "免费试用-注册旅程"
    assert journey.title == "免费试用 注册旅程"
    assert [p.name for p in journey.personas] == ["李娜"]
    assert journey.personas[0].id == "李娜"
    text = path.read_text(encoding="utf-8")
    assert "id: 免费试用-注册旅程" in text  # readable in the file, not escaped
    assert "\\u" not in text


def test_default_output_name_is_the_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_main("init", "--title", "客户旅程").code == 0
    assert (tmp_path / "客户旅程.yaml").is_file()


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text("# my precious map\n", encoding="utf-8")
    run = run_main("init", "-o", path)
    assert run.code == 2
    assert str(path) in run.stderr
    assert "--force" in run.stderr
    assert "Traceback" not in run.stderr
    assert path.read_text(encoding="utf-8") == "# my precious map\n"

    forced = run_main("init", "--force", "--type", "future_state", "-o", path)
    assert forced.code == 0
    assert load_journey(path).journey.map_type is MapType.FUTURE_STATE


def test_init_unknown_type_is_a_usage_error(tmp_path: Path) -> None:
    run = run_main("init", "--type", "customer_journey", "-o", tmp_path / "x.yaml")
    assert run.code == 2
    assert "customer_journey" in run.stderr
    assert not (tmp_path / "x.yaml").exists()


# --- ids from titles in other scripts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Путь клиента", "путь-клиента"),
        ("顧客体験 マップ", "顧客体験-マップ"),
        ("고객 여정", "고객-여정"),
        ("Café Crème", "café-crème"),
        pytest.param(
            "हिन्दी यात्रा",
            "हिन्दी-यात्रा",
        ),
        pytest.param(
            "การเดินทาง",
            "การเดินทาง",
        ),
    ],
)
def test_titles_in_other_scripts_give_readable_ids(title: str, expected: str) -> None:
    assert slugify(title) == expected


def test_init_with_ethiopic_numeral_title_gives_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "et.yaml"
    run = run_main("init", "--title", "ደረጃ ፩", "-o", path)
    assert run.code == 0, run.stderr
    assert load_journey(path).journey.title == "ደረጃ ፩"


def _model_accepts(value: str) -> bool:
    try:
        Stage(id=value, title="t")
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("value", ["signup", "注册旅程", "a.b_c-d", "путь-клиента", "x" * 80])
def test_ids_accepted_everywhere(value: str) -> None:
    assert is_slug(value)
    assert _model_accepts(value)


@pytest.mark.parametrize("value", ["", "-x", ".x", "a b", "a/b", "x" * 81, "tab\there"])
def test_ids_rejected_everywhere(value: str) -> None:
    assert not is_slug(value)
    assert not _model_accepts(value)


@pytest.mark.parametrize("value", ["abc\n", "e\u0301", "፩"])
def test_is_slug_agrees_with_the_model(value: str) -> None:
    assert is_slug(value) == _model_accepts(value)


def test_an_emoji_leaves_no_invisible_mark_at_the_end_of_an_id() -> None:
    """``王芳 (Wang Fang) 🛍️`` ends in U+FE0F (a variation selector, a combining mark): the id must not."""
    assert slugify("王芳 (Wang Fang) 🛍️") == "王芳-wang-fang"
    assert slugify("Café ☕️ time") == "café-time"
    assert slugify("हिन्दी नाम") == "हिन्दी-नाम"  # marks on letters stay: the word is whole
    assert slugify("👍🏽") == "item"
