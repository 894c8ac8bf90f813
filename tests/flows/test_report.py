"""The weekly field report: Friday cut-offs in Bangkok time, counts per unit and week, CSV, and the chart image;
and `kiosk report` end to end over a real store's outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from kiosk import cli
from kiosk.flows import report

BKK = ZoneInfo("Asia/Bangkok")
FRI = date(2026, 11, 20)


def bkk(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BKK)


@pytest.mark.parametrize(
    ("moment", "friday"),
    [
        (bkk(2026, 11, 20, 23, 59), FRI),  # Friday night still counts for this Friday
        (bkk(2026, 11, 21, 0, 0), date(2026, 11, 27)),  # Saturday starts the next week
        (bkk(2026, 11, 14, 0, 0), FRI),
        (bkk(2026, 11, 13, 23, 59), date(2026, 11, 13)),
        (datetime(2026, 11, 20, 17, 30, tzinfo=UTC), date(2026, 11, 27)),  # 00:30 Saturday in Bangkok
    ],
)
def test_friday_cut_off_in_bangkok(moment: datetime, friday: date) -> None:
    assert report.report_friday(moment, BKK) == friday


def test_last_cutoff_and_weeks() -> None:
    assert report.last_cutoff(date(2026, 11, 20)) == FRI
    assert report.last_cutoff(date(2026, 11, 23)) == FRI
    assert report.last_cutoff(date(2026, 11, 19)) == date(2026, 11, 13)
    assert report.fridays(FRI, 3) == [date(2026, 11, 6), date(2026, 11, 13), FRI]
    with pytest.raises(ValueError):
        report.fridays(date(2026, 11, 19), 2)


def test_rows_per_unit_and_week() -> None:
    events = [
        ("u1", bkk(2026, 10, 1, 10)),  # before the first reported week: only in the cumulative total
        ("u1", bkk(2026, 11, 10, 10)),
        ("u1", bkk(2026, 11, 12, 10)),
        ("u1", bkk(2026, 11, 20, 23)),
        ("u2", bkk(2026, 11, 19, 9)),
    ]
    rows = report.from_events(events, report.fridays(FRI, 2), BKK)
    assert rows == [
        report.WeekRow("u1", date(2026, 11, 13), 2, 2, 3),
        report.WeekRow("u1", FRI, 1, -1, 4),
        report.WeekRow("u2", date(2026, 11, 13), 0, 0, 0),
        report.WeekRow("u2", FRI, 1, 1, 1),
    ]
    text = report.to_csv(rows)
    assert text.splitlines()[0] == "unit,friday,registered_this_week,increase,cumulative"
    assert "u1,2026-11-20,1,-1,4" in text


def test_rows_from_the_registry_answer() -> None:
    answer = {
        "friday": "2026-11-20",
        "units": [{"unit": "u9", "this_week": 5, "last_week": 2, "increase": 3, "cumulative": 40}],
    }
    assert report.from_registry([answer]) == [report.WeekRow("u9", FRI, 5, 3, 40)]


def test_chart_is_drawn(tmp_path: Path) -> None:
    rows = [report.WeekRow("หน่วย 1", f, n, n, n * 3) for n, f in enumerate(report.fridays(FRI, 4), start=1)]
    paths = report.write(rows, tmp_path, stem="r")
    assert [p.name for p in paths] == ["r.csv", "r-หน่วย_1.png"]
    img = Image.open(paths[1]).convert("RGB")
    assert img.size == (960, 540)
    colours = {c for _, c in img.getcolors(maxcolors=1 << 16) or []}
    assert (37, 99, 170) in colours and (200, 80, 30) in colours  # bars and the cumulative line


def test_kiosk_report_from_the_outbox(tmp_path: Path) -> None:
    from kiosk.store import Outbox, load_or_create, open_store

    store = tmp_path / "kiosk.sqlite3"
    conn = open_store(store)
    outbox = Outbox(conn, load_or_create(tmp_path / "var/keys").data_key)  # as the kit writes it: encrypted
    for at in (bkk(2026, 11, 18, 10), bkk(2026, 11, 19, 11), bkk(2026, 11, 12, 9)):
        outbox.enqueue("enrol", {"citizen_id": "x", "unit": "field-7", "method": "officer"}, at.timestamp())
    outbox.enqueue("book", {"citizen_id": "x", "slot_id": 1}, bkk(2026, 11, 18, 10).timestamp())
    conn.close()
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        f'[kiosk]\nunit = "field-7"\ndata_dir = "{tmp_path / "var"}"\n[store]\npath = "{store}"\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    args = ["--config", str(toml), "report", "--source", "outbox", "--friday", "2026-11-20", "--weeks", "2"]
    assert cli.main([*args, "--out", str(out)]) == 0
    lines = (out / "enrolments-2026-11-20.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1:] == ["field-7,2026-11-13,1,1,1", "field-7,2026-11-20,2,1,3"]
    assert (out / "enrolments-2026-11-20-field-7.png").exists()


def test_kiosk_report_from_the_outbox_without_its_keys_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keys gone: exit 1 naming the folder and the fix; no new key is made (it could not read the outbox anyway)."""
    from kiosk.store import open_store

    store = tmp_path / "kiosk.sqlite3"
    open_store(store).close()
    before = store.read_bytes()
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "var"}"\n[store]\npath = "{store}"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["--config", str(toml), "report", "--source", "outbox", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"kiosk keys missing in {tmp_path / 'var' / 'keys'}" in err and "kiosk enrol-device" in err
    assert not (tmp_path / "var").exists() and not out.exists()
    assert store.read_bytes() == before
