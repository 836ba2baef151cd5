"""The X-Pagination metadata (consortium.api._pagination_metadata) is flask-smorest's, integer for integer."""

import importlib.util

import flask_smorest.pagination
from hypothesis import given
from hypothesis import strategies as st

import consortium.api  # noqa: F401  (installs the metadata function on every Blueprint)


def _flask_smorest_original():
    """flask-smorest's own `_make_pagination_metadata`, from a fresh copy of its module (ours replaced it)."""
    spec = importlib.util.spec_from_file_location("flask_smorest._pagination_original",
                                                  flask_smorest.pagination.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PaginationMixin._make_pagination_metadata


ORIGINAL = _flask_smorest_original()


@given(page=st.integers(1, 60), page_size=st.integers(1, 100), item_count=st.integers(0, 5000))
def test_the_metadata_is_flask_smorests(page, page_size, item_count):
    ours = flask_smorest.Blueprint._make_pagination_metadata(page, page_size, item_count)
    theirs = ORIGINAL(page, page_size, item_count)
    assert list(ours.items()) == list(theirs.items())  # same keys in the same order: the same header text
