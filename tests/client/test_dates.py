"""Date and date-time fields of models: `datetime.date` / `datetime.datetime` values, as
upstream's client gives them, that write back the very text DQOps sent.

The forms come from DQOps's answers: an Instant in UTC (`Z`), an offset date-time, a local
date-time without offset (`timePeriod`), fractions of 1-9 digits, a local date.
"""

from __future__ import annotations

import copy
import datetime
import importlib
import json
import pickle
import re
from typing import Any

import attrs
import pytest
from support import upstream_compat as compat
from support.paths import REPO_ROOT

from dqops.client.errors import ModelDecodingError
from dqops.client.models import (
    CheckResultEntryModel,
    CheckResultsOverviewDataModel,
    CommentSpec,
    IncidentCountsModel,
)

UTC = datetime.UTC
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))

# (text DQOps sends, the value it means)
DATE_TIMES = [
    ("2024-08-24T14:15:22Z", datetime.datetime(2024, 8, 24, 14, 15, 22, tzinfo=UTC)),
    ("2024-08-24T14:15:22.120+02:00", datetime.datetime(2024, 8, 24, 14, 15, 22, 120000, tzinfo=PLUS_TWO)),
    ("2024-08-24T14:15:22.123456789Z", datetime.datetime(2024, 8, 24, 14, 15, 22, 123456, tzinfo=UTC)),
    (
        "2024-08-24T14:15:22.1-05:30",
        datetime.datetime(
            2024, 8, 24, 14, 15, 22, 100000, tzinfo=datetime.timezone(-datetime.timedelta(hours=5, minutes=30))
        ),
    ),
    ("2024-08-24T14:15:22", datetime.datetime(2024, 8, 24, 14, 15, 22)),
    ("2024-08-24T00:00:00.000", datetime.datetime(2024, 8, 24)),
]


def entry(**fields: str) -> dict[str, Any]:
    return {"id": "a1", "checkName": "row_count", **fields}


@pytest.mark.parametrize(("text", "value"), DATE_TIMES)
def test_a_date_time_dqops_sent_reads_as_a_datetime_and_is_written_back_unchanged(
    text: str, value: datetime.datetime
) -> None:
    document = entry(executedAt=text, timePeriod=text)
    model = CheckResultEntryModel.from_dict(document)
    assert isinstance(model.time_period, datetime.datetime)
    assert model.time_period == value
    assert model.time_period.utcoffset() == value.utcoffset()  # aware exactly when DQOps sent an offset
    assert (model.time_period.tzinfo is None) is (value.tzinfo is None)
    assert model.to_dict() == document
    # Without the model's note of the decoded JSON (a copy starts without one), the values
    # themselves still write back their text.
    assert copy.copy(model).to_dict() == document
    model.check_name = "nulls_count"  # an assignment ends the note too
    assert model.to_dict() == {**document, "checkName": "nulls_count"}


@pytest.mark.parametrize(("text", "value"), DATE_TIMES)
def test_a_model_without_a_snapshot_writes_back_the_text(text: str, value: datetime.datetime) -> None:
    comment = CommentSpec.from_dict({"date": text, "comment": "checked"})
    assert comment.date == value
    assert comment.to_dict() == {"date": text, "comment": "checked"}


def test_a_date_is_a_date_not_a_datetime() -> None:
    counts = IncidentCountsModel.from_dict({"currentMonthDate": "2024-08-01", "previousMonthDate": "2024-07-01"})
    assert type(counts.current_month_date) is not datetime.datetime
    assert isinstance(counts.current_month_date, datetime.date)
    assert counts.current_month_date == datetime.date(2024, 8, 1)
    assert counts.to_dict() == {"currentMonthDate": "2024-08-01", "previousMonthDate": "2024-07-01"}


def test_a_list_of_date_times_is_decoded_and_written_back() -> None:
    document = {"timePeriods": ["2024-08-24T14:15:22", "2024-08-23T14:15:22.5"]}
    overview = CheckResultsOverviewDataModel.from_dict(document)
    assert overview.time_periods == [
        datetime.datetime(2024, 8, 24, 14, 15, 22),
        datetime.datetime(2024, 8, 23, 14, 15, 22, 500000),
    ]
    assert overview.to_dict() == document


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (datetime.datetime(2024, 8, 24, 14, 15, 22, tzinfo=UTC), "2024-08-24T14:15:22Z"),
        (datetime.datetime(2024, 8, 24, 14, 15, 22, 120000, tzinfo=PLUS_TWO), "2024-08-24T14:15:22.120000+02:00"),
        (datetime.datetime(2024, 8, 24, 14, 15, 22), "2024-08-24T14:15:22"),
    ],
)
def test_a_value_the_user_sets_is_written_as_iso_8601(value: datetime.datetime, sent: str) -> None:
    assert CommentSpec(date=value).to_dict() == {"date": sent}
    model = CheckResultEntryModel.from_dict(entry(executedAt="2024-01-01T00:00:00Z"))
    model.executed_at = value
    assert model.to_dict()["executedAt"] == sent
    counts = IncidentCountsModel(current_month_date=datetime.date(2024, 8, 1))
    assert counts.to_dict() == {"currentMonthDate": "2024-08-01"}


def test_arithmetic_on_a_decoded_value_writes_the_new_value() -> None:
    model = CheckResultEntryModel.from_dict(entry(timePeriod="2024-08-24T14:15:22.120+02:00"))
    model.time_period = model.time_period + datetime.timedelta(days=1)
    assert model.to_dict()["timePeriod"] == "2024-08-25T14:15:22.120000+02:00"
    model.time_period = model.time_period.replace(microsecond=0)
    assert model.to_dict()["timePeriod"] == "2024-08-25T14:15:22+02:00"


def test_decoded_values_compare_hash_and_print_as_plain_datetimes() -> None:
    model = CheckResultEntryModel.from_dict(entry(executedAt="2024-08-24T14:15:22Z"))
    plain = datetime.datetime(2024, 8, 24, 14, 15, 22, tzinfo=UTC)
    assert model.executed_at == plain and hash(model.executed_at) == hash(plain)
    assert repr(model.executed_at) == repr(plain)
    assert model.executed_at.date() == datetime.date(2024, 8, 24)
    assert model == CheckResultEntryModel(id="a1", check_name="row_count", executed_at=plain)


@pytest.mark.parametrize("read_first", [False, True])
def test_models_with_dates_pickle_copy_and_compare(read_first: bool) -> None:
    document = entry(executedAt="2024-08-24T14:15:22.120+02:00", timePeriod="2024-08-24T14:15:22.123456789")
    model = CheckResultEntryModel.from_dict(document)
    if read_first:
        assert model.time_period.microsecond == 123456
    for twin in (pickle.loads(pickle.dumps(model)), copy.copy(model), copy.deepcopy(model)):
        assert twin == model
        assert twin.to_dict() == document
        assert isinstance(twin.executed_at, datetime.datetime)
    comment = CommentSpec.from_dict({"date": "2024-08-24T14:15:22.1Z"})
    assert pickle.loads(pickle.dumps(comment.date)) == comment.date
    assert pickle.loads(pickle.dumps(comment)).to_dict() == {"date": "2024-08-24T14:15:22.1Z"}


def test_text_that_is_not_iso_8601_fails_on_read_naming_the_field() -> None:
    model = CheckResultEntryModel.from_dict(entry(executedAt="yesterday"))
    assert model.to_dict()["executedAt"] == "yesterday"  # decoding loses nothing
    with pytest.raises(ModelDecodingError, match=r"CheckResultEntryModel\.executed_at: not ISO 8601 text: 'yesterday'"):
        _ = model.executed_at
    hostile = CommentSpec.from_dict({"date": "9" * 1_000_000})
    with pytest.raises(ModelDecodingError, match=r"\.\.\. \(1000000 characters\)$"):
        _ = hostile.date
    with pytest.raises(ModelDecodingError, match=r"CheckResultsOverviewDataModel\.time_periods"):
        CheckResultsOverviewDataModel.from_dict({"timePeriods": ["soon"]})


def date_annotations(fields: list[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """(class, field) -> "datetime.date" / "datetime.datetime" / "list[datetime.datetime]"..."""
    found = {}
    for class_name, field, annotation in fields:
        match = re.search(r"(?i:(list)\[)?datetime\.(datetime|date)\b", annotation)
        if match:
            found[(class_name, field)] = ("list[" if match.group(1) else "") + "datetime." + match.group(2)
    return found


def test_date_fields_are_typed_as_upstream_types_them_and_the_corrected_timestamps_too() -> None:
    surface = compat.load_snapshot()
    upstream = date_annotations(
        [
            (name, field["name"], field["annotation"])
            for name, model in surface["models"].items()
            for field in model.get("fields", [])
        ]
    )
    models = importlib.import_module("dqops.client.models")
    classes = [getattr(models, name) for name in models.__all__]
    ours = date_annotations(
        [
            (cls.__name__, field.name, str(field.type))
            for cls in classes
            if attrs.has(cls)
            for field in attrs.fields(cls)
        ]
    )
    assert len(upstream) == 23
    assert {key: ours.get(key) for key in upstream} == upstream
    # The rest: the timestamps the overlay corrects from int64 (as upstream's client keeps them)
    # to date-time.
    overlay = json.loads((REPO_ROOT / "openapi" / "overlay.json").read_text())
    corrected = {
        (target[3], re.sub(r"(?<!^)(?=[A-Z])", "_", target[5]).lower())
        for correction in overlay["corrections"]
        if correction.get("expect", {}).get("format") == "int64"
        and correction["value"].get("format") == "date-time"
        and (target := correction["target"].split("/"))
    }
    assert len(corrected) == 9
    assert {key: value for key, value in ours.items() if key not in upstream} == dict.fromkeys(
        corrected, "datetime.datetime"
    )


@pytest.mark.parametrize("model_class", [CheckResultEntryModel, CommentSpec])
def test_from_dict_stores_the_text_and_the_first_read_parses_it(model_class: Any) -> None:
    """Decoding a large answer parses no date nobody reads (the make bench targets)."""
    field = "executed_at" if model_class is CheckResultEntryModel else "date"
    key = "executedAt" if model_class is CheckResultEntryModel else "date"
    model = model_class.from_dict({key: "2024-08-24T14:15:22Z"})
    slot = vars(model_class)[field].slot
    assert slot.__get__(model) == "2024-08-24T14:15:22Z"
    first = getattr(model, field)
    assert type(slot.__get__(model)) is not str
    assert getattr(model, field) is first
