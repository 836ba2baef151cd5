"""Annual-accounts API: `/api/v1/t/<slug>/accounts`: templates, upload, versions, original file, submit."""

import io

from flask import current_app, g, send_file
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from consortium.api import SQLPage
from consortium.auth import tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db
from tenants.accounts import schemas, service
from tenants.accounts.parsing import build_template_csv, build_template_xlsx

READERS = ("treasurer", "viewer")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
MIMETYPES = {"xlsx": XLSX_MIMETYPE, "csv": CSV_MIMETYPE}


class MultipartParser(FlaskParser):
    """webargs' parser plus a `multipart` location: a form's text fields and files read as one schema."""

    __location_map__ = dict(multipart="load_multipart", **FlaskParser.__location_map__)

    def load_multipart(self, req, schema):
        """Form fields and files of a multipart/form-data request."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MultipartBlueprint(Blueprint):
    """A smorest Blueprint that documents the `multipart` location as one multipart/form-data body."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data",
    }


blp = MultipartBlueprint("accounts_api", __name__, url_prefix="/api/v1/t/<slug>/accounts",
                         description="Annual accounts: upload, versions, submission to the consortium")


def template_response(file_format: str, year: int | None):
    """The blank template as a download."""
    data = build_template_xlsx(year) if file_format == "xlsx" else build_template_csv(year)
    name = f"annual-accounts-{year}.{file_format}" if year else f"annual-accounts.{file_format}"
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[file_format], as_attachment=True, download_name=name)


def original_file_response(version):
    """A version's uploaded file as it was sent."""
    return send_file(io.BytesIO(version.file_data), mimetype=MIMETYPES[version.file_format], as_attachment=True,
                     download_name=version.filename)


def read_upload(storage, max_bytes: int) -> bytes:
    """The uploaded file's bytes, reading at most one byte past the limit (enough to know it is too big)."""
    return storage.read(max_bytes + 1)


@blp.route("/template.xlsx")
class TemplateXlsxResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.TemplateQuerySchema, location="query")
    @blp.response(200, content_type=XLSX_MIMETYPE)
    def get(self, query):
        """The blank accounts workbook (Summary, TrialBalance, Instructions)."""
        return template_response("xlsx", query.get("year"))


@blp.route("/template.csv")
class TemplateCsvResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.TemplateQuerySchema, location="query")
    @blp.response(200, content_type=CSV_MIMETYPE)
    def get(self, query):
        """The blank accounts CSV (UTF-8; `;` with decimal commas is also accepted back)."""
        return template_response("csv", query.get("year"))


@blp.route("")
class AccountsResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.arguments(schemas.AccountsListQuerySchema, location="query")
    @blp.response(200, schemas.AccountsVersionSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """The co-op's uploaded versions, newest year and version first; filter by `year`."""
        return service.versions_query(filters.get("year"))

    @tenant_role_required("treasurer")
    @blp.arguments(schemas.AccountsUploadSchema, location="multipart")
    @blp.response(201, schemas.AccountsVersionSchema)
    def post(self, upload):
        """Upload a filled template for `year` (treasurer): 201 with the parsed preview, or 422 naming
        sheet, row and column of every error (nothing saved); 409 when the year is already accepted."""
        max_bytes = current_app.config["ACCOUNTS_MAX_UPLOAD_BYTES"]
        storage = upload["file"]
        return service.upload_accounts(
            db.session, tenant=g.tenant, year=upload["year"], filename=storage.filename,
            data=read_upload(storage, max_bytes), uploaded_by=current_user.id, today=local_today(),
            max_bytes=max_bytes,
        )


@blp.route("/<int:accounts_id>")
class AccountsVersionResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, schemas.AccountsVersionSchema)
    def get(self, accounts_id):
        """One version: figures, net profit, warnings, status and the consortium's review comment."""
        return service.get_version(db.session, accounts_id)


@blp.route("/<int:accounts_id>/file")
class AccountsFileResource(MethodView):
    @tenant_role_required(*READERS)
    @blp.response(200, content_type="application/octet-stream")
    def get(self, accounts_id):
        """The file as uploaded."""
        return original_file_response(service.get_version(db.session, accounts_id))


@blp.route("/<int:accounts_id>/submit")
class AccountsSubmitResource(MethodView):
    @tenant_role_required("treasurer")
    @blp.arguments(schemas.AccountsSubmitSchema)
    @blp.response(200, schemas.AccountsVersionSchema)
    def post(self, body, accounts_id):
        """Submit a draft version to the consortium with the date the members' assembly approved it (treasurer);
        422 naming `assembly_approved_on` when it is missing, before the year's end or in the future; 409 if
        another version of the year is already submitted or accepted."""
        version = service.get_version(db.session, accounts_id)
        return service.submit_version(db.session, version, assembly_approved_on=body["assembly_approved_on"],
                                      today=local_today(), submitted_by=current_user.id)
