"""Thai-first text formatting shared by printouts and screens: line breaking, Buddhist-era dates, numbers and IDs."""

from __future__ import annotations

from kiosk.text.dates import (
    PartialDate,
    buddhist_year,
    month_name,
    thai_date,
    thai_datetime,
    thai_time,
)
from kiosk.text.numbers import (
    format_citizen_id,
    format_house_code,
    format_number,
    mask_citizen_id,
    to_thai_digits,
)
from kiosk.text.wrap import MeasuringFont, break_points, clusters, wrap

__all__ = [
    "MeasuringFont",
    "PartialDate",
    "break_points",
    "buddhist_year",
    "clusters",
    "format_citizen_id",
    "format_house_code",
    "format_number",
    "mask_citizen_id",
    "month_name",
    "thai_date",
    "thai_datetime",
    "thai_time",
    "to_thai_digits",
    "wrap",
]
