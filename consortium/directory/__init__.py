"""The consortium's directory: member co-ops (tenants), users, roles, API tokens."""


def register(app, api):
    """Attach the directory's API and pages."""
    from consortium.directory import api as directory_api
    from consortium.directory import service, views
    from consortium.i18n import _l
    from consortium.notifications.service import register_email_kind

    api.register_blueprint(directory_api.auth_blp)
    api.register_blueprint(directory_api.tenants_blp)
    api.register_blueprint(directory_api.users_blp)
    api.register_blueprint(directory_api.audit_blp)
    app.register_blueprint(views.blp)
    register_email_kind(service.INVITATION_KIND, _l("My invitation to the back office, with its one-time link"))
