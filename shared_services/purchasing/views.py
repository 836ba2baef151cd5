from flask import Blueprint

blp = Blueprint("purchasing", __name__, url_prefix="/consortium/purchasing", template_folder="templates")
coop_blp = Blueprint("coop_purchasing", __name__, url_prefix="/t/<slug>/purchasing", template_folder="templates")


@blp.route("/")
def rounds():
    return ""


@coop_blp.route("/")
def coop_rounds():
    return ""
