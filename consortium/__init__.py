"""The application: app factory, config, db, auth, tenancy, audit, web shell, CLI, scheduler."""

# marshmallow's own messages in the reader's language, before any feature's schema is built.
from consortium.validation_messages import install as _install_validation_messages

_install_validation_messages()
