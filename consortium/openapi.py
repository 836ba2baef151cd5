"""The API's OpenAPI spec, written when it is first read (`/api/v1/openapi.json`, the docs page, `flask openapi`)
instead of while the app is built (issue 16).

flask-smorest documents every route as its blueprint is registered: about 3 MB of spec dictionaries in every web
worker that no API request reads. `LazySpecApi` registers the blueprints at once (the routes exist from the
start) and documents them, in the order they were registered, the first time `spec` is read, so the spec is the
one flask-smorest would have built (tests/platform/test_health.py compares them).
"""

import threading

from consortium.api import Api


class LazySpecApi(Api):
    """`Api` whose blueprints are documented in the spec when the spec is first read."""

    def __init__(self, app=None, **kwargs):
        self._spec = None
        self._undocumented = []  # (blueprint, name, parameters) in registration order
        # Two threads of a worker may ask for the docs at once; the one documenting also reads `spec` (re-entrant).
        self._documenting = threading.RLock()
        super().__init__(app, **kwargs)

    @property
    def spec(self):
        with self._documenting:
            pending, self._undocumented = self._undocumented, []
            for blueprint, name, parameters in pending:
                blueprint.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                self._spec.tag({"name": name, "description": blueprint.description})
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """flask-smorest's `Api.register_blueprint`, its documentation step left to the first read of `spec`."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))
