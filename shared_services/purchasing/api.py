"""Bulk-purchasing API: suppliers, catalogues, rounds, close, purchase order, deliveries and recharge for
consortium staff; each co-op's open rounds, its order and its savings."""

from flask import Response, g
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from consortium.api import SQLPage
from consortium.auth import consortium_role_required, tenant_role_required
from consortium.clock import local_today
from consortium.extensions import db

# `documents` (reportlab) is imported where a PDF is made: a web worker starts without it (issue 16).
from shared_services.purchasing import schemas, service

STAFF = ("consortium_admin", "consortium_staff")
COOP_READERS = ("treasurer", "viewer")
COOP_WRITERS = ("treasurer",)

blp = Blueprint("purchasing_api", __name__, url_prefix="/api/v1/consortium/purchasing",
                description="Bulk purchasing: suppliers, price tiers, rounds, purchase orders, deliveries, recharges")
coop_blp = Blueprint("coop_purchasing_api", __name__, url_prefix="/api/v1/t/<slug>/purchasing",
                     description="A co-op's orders in the consortium's purchasing rounds, and its savings")


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


@blp.route("/suppliers")
class SuppliersResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.SupplierSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self):
        """Suppliers by name."""
        return service.suppliers_query()

    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.SupplierSchema)
    @blp.response(201, schemas.SupplierSchema)
    def post(self, data):
        """Add a supplier; its VAT number is validated (python-stdnum) by the country's rules."""
        return service.add_supplier(db.session, data)


@blp.route("/suppliers/<int:supplier_id>")
class SupplierResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.SupplierSchema)
    def get(self, supplier_id):
        """One supplier."""
        return service.get_supplier(db.session, supplier_id)

    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.SupplierChangeSchema(partial=True))
    @blp.response(200, schemas.SupplierSchema)
    def patch(self, data, supplier_id):
        """Change a supplier's details (VAT number checked again); `active: false` retires it."""
        return service.update_supplier(db.session, service.get_supplier(db.session, supplier_id), data)


@blp.route("/suppliers/<int:supplier_id>/items")
class ItemsResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.ItemSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, supplier_id):
        """The supplier's catalogue with each item's volume price tiers."""
        service.get_supplier(db.session, supplier_id)
        return service.items_query(supplier_id)

    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.ItemSchema)
    @blp.response(201, schemas.ItemSchema)
    def post(self, data, supplier_id):
        """Add an item with its price list; overlapping tiers or a tier without a price are refused."""
        return service.add_item(db.session, service.get_supplier(db.session, supplier_id), data)


@blp.route("/suppliers/<int:supplier_id>/items/<int:item_id>")
class ItemResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.ItemChangeSchema(partial=True))
    @blp.response(200, schemas.ItemSchema)
    def patch(self, data, supplier_id, item_id):
        """Change an item or its whole price list (409 while an open round offers it); `active` retires it."""
        return service.update_item(db.session, service.get_item(db.session, supplier_id, item_id), data)


@blp.route("/rounds")
class RoundsResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.RoundQuerySchema, location="query")
    @blp.response(200, schemas.PurchaseRoundSchema(many=True))
    @blp.paginate(SQLPage)
    def get(self, filters):
        """Purchasing rounds, latest closing first; filter by `status`."""
        return service.rounds_query(filters.get("status"))

    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.RoundInSchema)
    @blp.response(201, schemas.PurchaseRoundSchema)
    def post(self, data):
        """Open a round for a supplier (or a category) with its items, closing time and delivery date."""
        return service.open_round(db.session, data, now=service.now_utc())


@blp.route("/rounds/<int:round_id>")
class RoundResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.PurchaseRoundSchema)
    def get(self, round_id):
        """One round with its items (totals and the reached prices once closed)."""
        return service.get_round(db.session, round_id)


@blp.route("/rounds/<int:round_id>/close")
class CloseResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, schemas.PurchaseRoundSchema)
    def post(self, round_id):
        """Close the round now: aggregate, fix the reached prices, allocate, send the purchase order (409 if closed)."""
        return service.close_round(db.session, round_id, now=service.now_utc(), user_id=current_user.id,
                                   commit=db.session.commit)


@blp.route("/rounds/<int:round_id>/cancel")
class CancelResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.CancelInSchema)
    @blp.response(200, schemas.PurchaseRoundSchema)
    def post(self, data, round_id):
        """Cancel a round open or awaiting delivery (409 otherwise); co-ops and, once ordered, suppliers are told."""
        return service.cancel_round(db.session, round_id, reason=data["reason"], user_id=current_user.id,
                                    now=service.now_utc(), commit=db.session.commit)


@blp.route("/rounds/<int:round_id>/purchase-order")
class PurchaseOrderResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(200, content_type="application/pdf")
    def get(self, round_id):
        """The purchase order PDF, as produced at close."""
        from shared_services.purchasing import documents
        pdf = service.purchase_order_document(db.session, round_id, documents.purchase_order_pdf)
        return pdf_response(pdf, f"PO-{round_id}.pdf")


@blp.route("/rounds/<int:round_id>/deliveries")
class DeliveriesResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.DeliveriesInSchema)
    @blp.response(200, schemas.PurchaseRoundSchema)
    def post(self, data, round_id):
        """Record what each co-op received per item (a shortage lowers its charge); `complete` ends the delivery."""
        return service.record_deliveries(db.session, round_id, data["deliveries"], complete=data["complete"],
                                         now=service.now_utc())


@blp.route("/rounds/<int:round_id>/recharge")
class RechargeResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.response(201, schemas.PurchaseRechargeSchema(many=True))
    def post(self, round_id):
        """Raise one recharge invoice per co-op for its delivered allocation, in the consortium office's books."""
        return service.recharge_round(db.session, round_id, today=local_today())


@blp.route("/summary")
class SummaryResource(MethodView):
    @consortium_role_required(*STAFF)
    @blp.arguments(schemas.YearQuerySchema, location="query")
    @blp.response(200, schemas.PurchasingSummarySchema)
    def get(self, args):
        """Spend and savings of the rounds delivered in a year, by co-op and by supplier."""
        year = args.get("year") or local_today().year
        return {"year": year, **service.purchasing_summary(db.session, year)}


# --------------------------------------------------------------------------- a co-op's side


@coop_blp.route("/rounds")
class CoopRoundsResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.CoopRoundSchema(many=True))
    def get(self):
        """The rounds open for orders now."""
        return db.session.scalars(service.open_rounds_query(service.now_utc())).all()


@coop_blp.route("/rounds/<int:round_id>/order")
class OrderResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.response(200, schemas.OrderOutSchema)
    def get(self, round_id):
        """The co-op's order, the consortium's total so far and the tier it reaches, per item."""
        purchase_round = service.visible_round(db.session, round_id, g.tenant.id)
        return service.order_view(db.session, g.tenant.id, purchase_round, service.now_utc())

    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.OrderInSchema)
    @coop_blp.response(200, schemas.OrderOutSchema)
    def put(self, data, round_id):
        """Place, change or (with no quantity above zero) withdraw the co-op's order while the round is open."""
        purchase_round = service.visible_round(db.session, round_id, g.tenant.id)
        others = service.totals_so_far(db.session, round_id, except_tenant_id=g.tenant.id)  # read before writing
        service.save_order(db.session, g.tenant.id, purchase_round, data, user_id=current_user.id,
                           now=service.now_utc())
        return service.order_view(db.session, g.tenant.id, purchase_round, service.now_utc(), others=others)


@coop_blp.route("/rounds/<int:round_id>/delivery")
class OwnDeliveryResource(MethodView):
    @tenant_role_required(*COOP_WRITERS)
    @coop_blp.arguments(schemas.OwnDeliveryInSchema)
    @coop_blp.response(200, schemas.OrderOutSchema)
    def post(self, data, round_id):
        """Record what arrived of the co-op's order (received, damaged; unlisted items in full) before staff
        complete the round's delivery."""
        purchase_round = service.visible_round(db.session, round_id, g.tenant.id)
        service.confirm_delivery(db.session, g.tenant.id, purchase_round, data, user_id=current_user.id,
                                 now=service.now_utc())
        return service.order_view(db.session, g.tenant.id, purchase_round, service.now_utc())


@coop_blp.route("/savings")
class SavingsResource(MethodView):
    @tenant_role_required(*COOP_READERS)
    @coop_blp.arguments(schemas.YearQuerySchema, location="query")
    @coop_blp.response(200, schemas.PurchasingSummarySchema)
    def get(self, args):
        """The co-op's own spend and savings in the rounds delivered in a year."""
        year = args.get("year") or local_today().year
        return {"year": year, **service.purchasing_summary(db.session, year, tenant_id=g.tenant.id)}
