"""The validation messages the schemas write themselves reach a user in their own language."""

import pytest
from marshmallow import ValidationError

from consortium.i18n import force_locale
from shared_services.training.schemas import CourseSchema, EnrolSchema
from tenants.payroll.schemas import CapitalScheduleSchema, EmployeeUpdateSchema, JournalQuerySchema


def _errors(schema, data, language):
    with force_locale(language), pytest.raises(ValidationError) as caught:
        schema.load(data)
    return caught.value.messages


@pytest.mark.parametrize(("language", "expected"), [
    ("it", {"total": ["deve essere maggiore di 0"], "per_period": ["deve essere maggiore di 0"]}),
    ("en", {"total": ["must be more than 0"], "per_period": ["must be more than 0"]}),
])
def test_a_validator_message_is_written_in_the_readers_language_at_validation_time(app, language, expected):
    with app.test_request_context():
        errors = _errors(CapitalScheduleSchema(), {"total": "0", "per_period": "-1"}, language)
        assert {field: errors[field] for field in expected} == expected


def test_payroll_messages_read_in_italian(app):
    with app.test_request_context():
        errors = _errors(EmployeeUpdateSchema(),
                         {"annual_salary": "-5", "ni_category": "Q", "student_loan_plans": ["3"]}, "it")
        assert errors["annual_salary"] == ["non può essere negativo"]
        assert errors["ni_category"] == ["non è una lettera di categoria NI"]
        assert errors["student_loan_plans"] == ["piano sconosciuto 3; i piani sono 1, 2, 4 e 5"]
        assert "lul" in _errors(JournalQuerySchema(), {"format": "PDF!"}, "it")["format"][0]
        assert "esportazione" in _errors(JournalQuerySchema(), {"format": "PDF!"}, "it")["format"][0]


def test_training_messages_read_in_italian(app):
    with app.test_request_context():
        errors = _errors(CourseSchema(partial=True), {"code": "a b"}, "it")
        assert errors["code"] == ["lettere, cifre, punto, trattino, trattino basso"]
        assert _errors(EnrolSchema(), {"session_id": 1, "member_ids": []}, "it") == {
            "member_ids": ["scegli almeno un lavoratore"]}
        assert _errors(EnrolSchema(), {"session_id": 1, "member_ids": []}, "en") == {
            "member_ids": ["choose at least one worker"]}
