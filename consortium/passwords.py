"""Which passwords may be chosen: long enough, and not common or easily guessed.

NIST SP 800-63B (section 5.1.1.2, "Memorized Secret Verifiers") asks verifiers to compare a
new password against "a list that contains values known to be commonly-used, expected, or
compromised" and to refuse it if found, rather than impose composition rules. The list used
here is the one shipped with zxcvbn (Dropbox's estimator, MIT licence; the Python port
`zxcvbn` on PyPI): its 30,000 most common passwords (from leaked password sets), English words,
names, keyboard patterns, repeats and sequences, with the user's own name and email added.

A password is refused when zxcvbn scores it 0 or 1: by zxcvbn's own scale, fewer than 10^6
guesses ("too guessable: risky password" / "very guessable: protection from throttled online
attacks"). Score 2 and above (at least 10^6 guesses) is accepted. The demo password
`demo-password` scores 2 (10^7 guesses) and is accepted.
"""

from consortium.errors import ServiceError
from consortium.i18n import _, _l

MIN_LENGTH = 10
MAX_LENGTH = 200
LOWEST_ACCEPTED_SCORE = 2
# zxcvbn is slow on very long inputs; it only needs to see the start to find a common pattern.
CHECKED_PREFIX = 100


# How each password field is named to people (the API names the field in `errors` by its key).
FIELD_LABELS = {"password": _l("Password"), "new_password": _l("New password")}


def _refused(field: str, problem: str) -> ServiceError:
    label = FIELD_LABELS.get(field, field)
    return ServiceError(_("%(field)s: %(problem)s", field=label, problem=problem), {field: [problem]})


def check_new_password(password: str | None, *, user_inputs: tuple[str, ...] = (), field: str = "password") -> str:
    """`password` if it may be chosen, else a ServiceError naming `field` and why."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise _refused(field, _("must be at least %(count)s characters", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise _refused(field, _("must be at most %(count)s characters", count=MAX_LENGTH))
    words = []
    for value in user_inputs:
        if value:
            words += [value, *value.replace("@", " ").replace(".", " ").split()]
    # zxcvbn's frequency lists take 12 MB: they load when a password is chosen, not in every worker (issue 16).
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:CHECKED_PREFIX], user_inputs=words)
    if result["score"] < LOWEST_ACCEPTED_SCORE:
        raise _refused(field, _("is too common or too easy to guess (a well-known password, a simple pattern, "
                                   "or your own name or email): choose a longer phrase of unusual words"))
    return password
