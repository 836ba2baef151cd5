"""The application: app factory, config, db, auth, tenancy, audit, web shell, CLI, scheduler."""
