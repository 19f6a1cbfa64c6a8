"""Reading the State Council's holiday notice into a year file (``kefu calendar import YEAR --notice``)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from chinese_calendar import constants

from engine.calendar import _ZH_NAMES, CalendarDays
from engine.cli import main
from engine.errors import CalendarError
from engine.notice import Notice, apply_notices, import_notices
from engine.statutory import StatutoryRules, load_statutory_rules

NOTICES = Path(__file__).resolve().parent.parent / "data" / "notices"
T26, T27 = "国务院办公厅关于2026年部分节假日安排的通知", "国务院办公厅关于2027年部分节假日安排的通知"


@pytest.fixture
def rules(policies_dir: Path) -> StatutoryRules:
    """The shipped statutory rules (they name the days of a line with two holidays)."""
    found = load_statutory_rules(policies_dir / "calendars", "cn")
    assert found is not None
    return found


def published(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """chinesecalendar's days off and make-up workdays of ``year``, with Chinese names."""
    return ({d: _ZH_NAMES[n] for d, n in constants.holidays.items() if d.year == year},
            {d: _ZH_NAMES[n] for d, n in constants.workdays.items() if d.year == year})


def read(year: int, *names: str, rules: StatutoryRules | None) -> tuple[dict[date, str], dict[date, str]]:
    return apply_notices([Notice.from_file(NOTICES / n) for n in names], year, rules).of_year(year)


@pytest.mark.parametrize(("year", "files"), [
    (2025, ["notice-2025.txt"]),  # ASCII punctuation; 国庆节、中秋节 in one line (10-06 is 中秋节)
    (2026, ["notice-2026.txt"]),  # full-width punctuation, 农历 notes in the brackets
    # 星期, 与周末连休, 元旦 from 2018-12-30; a second notice changed 劳动节
    (2019, ["notice-2019.txt", "notice-2019-labour-day.txt"]),
    (2020, ["notice-2020.txt", "notice-2020-spring-festival.txt"]),  # 中秋 on 10-01; 春节 extended
])
def test_a_notice_gives_exactly_the_published_calendar(
    rules: StatutoryRules, year: int, files: list[str]
) -> None:
    assert read(year, *files, rules=rules) == published(year)


def test_the_2015_notice_differs_from_chinesecalendar_only_where_chinesecalendar_is_inconsistent(
    rules: StatutoryRules,
) -> None:
    holidays, workdays = read(2015, "notice-2015.txt", rules=rules)
    known_holidays, known_workdays = published(2015)
    # "5月1日放假，与周末连休": the weekend joins the holiday. chinesecalendar lists it in 2019 (清明,
    # 端午, 中秋) but not in 2015; both days are a Saturday and a Sunday, so no working day differs.
    assert {d: n for d, n in holidays.items() if d not in known_holidays} == {
        date(2015, 5, 2): "劳动节", date(2015, 5, 3): "劳动节"}
    # 9-03/9-04 off and 9-06 worked came from a separate notice (the 70th anniversary of the victory).
    assert {d for d in known_holidays if d not in holidays} == {date(2015, 9, 3), date(2015, 9, 4)}
    assert {d for d in known_workdays if d not in workdays} == {date(2015, 9, 6)}
    assert {d: n for d, n in holidays.items() if d in known_holidays} == {
        d: n for d, n in known_holidays.items() if d in holidays}
    assert all(workdays[d] == n for d, n in known_workdays.items() if d in workdays)


def test_days_of_the_year_before_are_reported_not_imported(rules: StatutoryRules) -> None:
    days = apply_notices([Notice.from_file(NOTICES / "notice-2019.txt")], 2019, rules)
    assert days.other_years() == [(date(2018, 12, 29), "workday", "元旦"),
                                  (date(2018, 12, 30), "holiday", "元旦"),
                                  (date(2018, 12, 31), "holiday", "元旦")]
    assert all(d.year == 2019 for d in days.of_year(2019)[0])


def test_the_invented_2027_notice_adds_the_make_up_days_the_law_cannot_know(rules: StatutoryRules) -> None:
    holidays, workdays = read(2027, "notice-2027.txt", rules=rules)
    law = rules.holidays(2027)
    assert set(law) <= set(holidays)
    assert sorted(d.strftime("%m-%d") for d in set(holidays) - set(law)) == [
        "01-02", "01-03", "02-11", "02-12", "02-13", "04-03", "04-04", "05-05", "10-06", "10-07"]
    assert {d.strftime("%m-%d"): n for d, n in workdays.items()} == {
        "01-31": "春节", "02-20": "春节", "04-25": "劳动节", "09-26": "国庆节", "10-09": "国庆节"}


def notice(tmp_path: Path, *lines: str, title: str = T27) -> Notice:
    path = tmp_path / "notice.txt"
    path.write_text("\n".join([title, "", "各省、自治区、直辖市人民政府：", *lines]) + "\n", encoding="utf-8")
    return Notice.from_file(path)


@pytest.mark.parametrize(("lines", "title", "line", "code", "fragment"), [
    (["一、元旦：1月1日放假，共1天。"], T26, 1, "calendar.E051",
     "this notice is for 2026, not 2027"),
    (["一、元旦：1月1日放假，共1天。"], "节假日安排", None, "calendar.E051", "has no title"),
    (["节假日期间，各地区要妥善安排好值班。"], T27, None, "calendar.E053",
     "no holiday line found"),
    (["一、元旦：1月1日放假，共1天。", "二、春节：2月5日至13日放假调休，共9天，另行通知。"],
     T27, 5, "calendar.E050", "cannot read '另行通知'"),
    (["一、元旦：1月1日（周五）至3日（周日）放假，共4天。"], T27, 4,
     "calendar.E052", "the notice says 4 days, but 2027-01-01 to 2027-01-03 is 3"),
    (["一、元旦：1月1日（周四）放假，共1天。"], T27, 4, "calendar.E052",
     "2027-01-01 is a 周五, the notice says 周四"),
    (["一、元旦：1月1日至3日放假，共3天。1月2日（周六）上班。"], T27, 4,
     "calendar.E052", "2027-01-02 is a day off and cannot be a make-up workday"),
    (["一、元宵节：2月20日放假。"], T27, 4, "calendar.E050",
     "'元宵节' is not a statutory holiday"),
    (["一、元旦：2月30日放假。"], T27, 4, "calendar.E050",
     "'2月30日' is not a date in 2027"),
    (["一、元旦：1月3日至1日放假。"], T27, 4, "calendar.E052",
     "runs backwards"),
])
def test_a_notice_that_cannot_be_read_is_refused_with_the_line_and_what_was_expected(
    tmp_path: Path, rules: StatutoryRules, lines: list[str], title: str, line: int | None, code: str,
    fragment: str,
) -> None:
    with pytest.raises(CalendarError) as caught:
        apply_notices([notice(tmp_path, *lines, title=title)], 2027, rules)
    error = caught.value
    assert (error.code, error.path, error.line) == (code, str(tmp_path / "notice.txt"), line)
    assert fragment in error.message


def test_importing_writes_the_year_file_with_its_source(tmp_path: Path, policies_dir: Path) -> None:
    shutil.copy(policies_dir / "calendars" / "cn-statutory.yaml", tmp_path)
    days = CalendarDays.load(tmp_path, "cn")
    assert days.year(2027).provisional
    path, _read = import_notices(2027, tmp_path, [Notice.from_file(NOTICES / "notice-2027.txt")])
    assert path == tmp_path / "cn-2027.yaml"
    data = days.year(2027)  # the cache learnt of the new file at once
    assert not data.provisional and data.source_kind == "notice"
    assert data.source.startswith("notice 国务院办公厅关于2027年部分节假日安排的通知 (sha256 ")
    assert data.workdays[date(2027, 1, 31)] == "春节"
    text = path.read_text(encoding="utf-8")
    assert "Imported by `kefu calendar import 2027 --notice notice-2027.txt`" in text


def test_importing_refuses_an_existing_file_and_a_bad_notice_writes_nothing(
    tmp_path: Path, policies_dir: Path
) -> None:
    shutil.copy(policies_dir / "calendars" / "cn-2026.yaml", tmp_path)
    before = (tmp_path / "cn-2026.yaml").read_text(encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        import_notices(2026, tmp_path, [Notice.from_file(NOTICES / "notice-2026.txt")])
    assert caught.value.code == "calendar.E021" and "--force" in caught.value.message
    bad = notice(tmp_path, "一、元旦：1月1日放假，共2天。", title=T26)
    with pytest.raises(CalendarError):
        import_notices(2026, tmp_path, [bad], force=True)
    assert (tmp_path / "cn-2026.yaml").read_text(encoding="utf-8") == before
    import_notices(2026, tmp_path, [Notice.from_file(NOTICES / "notice-2026.txt")], force=True)
    assert CalendarDays.load(tmp_path, "cn").year(2026).source_kind == "notice"


def test_kefu_calendar_import_with_a_notice(tmp_path: Path, policies_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "policies"
    shutil.copytree(policies_dir, tree)
    code = main(["calendar", "import", "2019", "--notice", str(NOTICES / "notice-2019.txt"),
                 "--notice", str(NOTICES / "notice-2019-labour-day.txt"), "--policies", str(tree)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith(f"wrote {tree / 'calendars' / 'cn-2019.yaml'}: 28 holidays, 6 make-up workdays")
    assert (f"warning: the notice also sets 2018-12-30 (元旦, day off) of 2018: add it to "
            f"{tree / 'calendars' / 'cn-2018.yaml'}") in err
    code = main(["calendar", "import", "2027", "--notice", str(NOTICES / "notice-2026.txt"),
                 "--policies", str(tree)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err == (f"error: {NOTICES / 'notice-2026.txt'}:1: calendar.E051 this notice is for 2026, "
                   f"not 2027: '{T26}'\n")
    assert not (tree / "calendars" / "cn-2027.yaml").exists()
