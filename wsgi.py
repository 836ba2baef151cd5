"""WSGI entry point for gunicorn and `flask --app wsgi`."""

from consortium.app import create_app

app = create_app()
