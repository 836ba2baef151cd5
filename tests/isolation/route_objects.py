"""How to make, in a given co-op, the object each tenant-route URL parameter names.

Every `<param>` of a `/t/<slug>/...` route (API or page) needs an entry here, so the
cross-tenant suite can aim the route at another co-op's object. A new route with a new
parameter fails the suite until its maker is added: that is the point.

A maker is `maker(factory, tenant) -> id` and must give the object a name containing
`tenant.slug` where it has a name, so the suite can check no foreign data leaks.
"""

from tests.accounts.helpers import upload_version
from tests.invoicing.helpers import make_customer, make_invoice
from tests.notifications.helpers import make_failed_email, make_webhook
from tests.payroll.helpers import make_employee, make_payslip, make_run
from tests.purchasing.helpers import make_round_with_order
from tests.reporting.helpers import make_social_report
from tests.tendering.helpers import make_opened_notice
from tests.training.helpers import make_record

OBJECT_MAKERS = {
    "member_id": lambda factory, tenant: factory.member(tenant, name=f"Member of {tenant.slug}"),
    "accounts_id": lambda factory, tenant: upload_version(factory, tenant, filename=f"accounts-{tenant.slug}.xlsx"),
    "webhook_id": make_webhook,
    "message_id": make_failed_email,
    "customer_id": make_customer,
    "invoice_id": make_invoice,
    "employee_id": make_employee,
    "run_id": make_run,
    "payslip_id": make_payslip,
    "export_name": lambda factory, tenant: "lul",  # a rule pack's run export: aimed at the other co-op's run
    "record_id": make_record,
    "notice_id": make_opened_notice,
    "round_id": make_round_with_order,
    "report_id": make_social_report,
}

# Own-co-op GETs that reach their object but answer 409 for the state the makers leave it in, with the field
# the refusal names (an employee who has not left has no P45; one not paid in the last ended year no P60).
STATE_REFUSALS = {
    "/api/v1/t/<slug>/employees/<int:employee_id>/p45": "leave_date",
    "/api/v1/t/<slug>/employees/<int:employee_id>/p60": "tax_year",
}
