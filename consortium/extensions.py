"""Flask extensions, created unbound and attached in `create_app` with `init_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from consortium import ratelimit  # noqa: F401 - registers the sqlitefile:// storage for RATELIMIT_STORAGE_URI
from consortium.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
