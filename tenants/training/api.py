"""A co-op's training API: `/api/v1/t/<slug>/training/records`, `/matrix`, `/requirements`, certificates."""

import io

import marshmallow as ma
from flask import current_app, g, request, send_file
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from consortium.forms import load_form

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from tenants.training import schemas, service

READERS = ("treasurer", "payroll_clerk", "viewer")
WRITERS = ("treasurer",)

blp = Blueprint("training_api", __name__, url_prefix="/api/v1/t/<slug>/training",
                description="A co-op's training records, role requirements and compliance matrix")


def max_certificate_bytes() -> int:
    """The certificate upload limit (config `TRAINING_MAX_CERTIFICATE_BYTES`, 5 MB by default)."""
    return int(current_app.config.get("TRAINING_MAX_CERTIFICATE_BYTES", service.DEFAULT_MAX_CERTIFICATE_BYTES))


def uploaded_certificate(files) -> tuple[str, bytes] | None:
    """The `certificate` file of a multipart request, read up to one byte past the limit."""
    upload = files.get("certificate")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read(max_certificate_bytes() + 1)


def pdf_response(content: bytes, filename: str):
    """A PDF as an attachment."""
    return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name=filename)


@blp.route("/records")
class RecordsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.RecordQuerySchema, location="query")
    @blp.response(200, schemas.RecordSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """The co-op's training records, newest first; filter by `member_id` or `course_id`."""
        return service.records_query(**filters)

    @tenant_role_required(*WRITERS)
    @blp.doc(requestBody={"content": {
        "application/json": {"schema": schemas.RecordSchema},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "member_id": {"type": "integer"}, "course_id": {"type": "integer"},
            "completed_on": {"type": "string", "format": "date"}, "provider": {"type": "string"},
            "certificate": {"type": "string", "format": "binary"}}}}}})
    @blp.response(201, schemas.RecordSchema)
    def post(self):
        """Record training a worker did elsewhere (JSON, or multipart with a PDF/PNG/JPEG `certificate`)."""
        certificate = None
        if request.mimetype == "multipart/form-data":
            data, errors = load_form(schemas.RecordSchema(), request.form)
            if errors:
                raise ma.ValidationError(errors)
            certificate = uploaded_certificate(request.files)
        else:
            data = schemas.RecordSchema().load(request.get_json(silent=True) or {})
        return service.record_external(db.session, g.tenant, data, today=local_today(), user_id=current_user.id,
                                       certificate=certificate, max_bytes=max_certificate_bytes())


@blp.route("/records/<int:record_id>")
class RecordResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.RecordSchema)
    def get(self, record_id):
        """One record."""
        return service.get_record(db.session, record_id)


@blp.route("/records/<int:record_id>/certificate")
class CertificateResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200)
    @blp.doc(responses={"200": {"description": "the certificate PDF", "content": {"application/pdf": {}}}})
    def get(self, record_id):
        """The record's certificate as a PDF, with its verification code."""
        from tenants.training import documents
        record = service.get_record(db.session, record_id)
        content = documents.certificate_pdf(db.session, g.tenant, record)
        return pdf_response(content, documents.certificate_filename(record))


@blp.route("/matrix")
class MatrixResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.MatrixSchema)
    def get(self):
        """Current workers by required course today: valid, expiring (90 days), expired or missing, with counts."""
        return service.matrix_as_dict(service.compliance_matrix(db.session, local_today()))


@blp.route("/requirements")
class RequirementsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.RequirementsSchema)
    def get(self):
        """Every role, the courses it requires and who holds it."""
        return {"roles": service.requirements(db.session)}

    @tenant_role_required(*WRITERS)
    @blp.arguments(schemas.RequirementsSchema)
    @blp.response(200, schemas.RequirementsSchema)
    def put(self, data):
        """Replace every role, its required courses and its holders (treasurer)."""
        return {"roles": service.replace_requirements(db.session, g.tenant.id, data["roles"], today=local_today())}
