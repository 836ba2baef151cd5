"""How a contribution was worked out, written in the reader's language from its stored steps.

A contribution keeps its explanation as data (`Contribution.explanation_steps`, the steps
`calculations.compute_contribution` returns: a step key and its values as strings, dates ISO), so a
page, the API, a PDF or an email writes it in the language of whoever reads it. Rows written before
the steps were kept have only the English sentence in `Contribution.explanation`: that text is shown
as it was stored, marked as English (`language_of`).
"""

from datetime import date
from decimal import Decimal

from consortium.i18n import _, format_date, format_number


def money(value: str | Decimal) -> str:
    """An amount in the reader's language, two decimals, no currency (12.345,67 or 12,345.67)."""
    return format_number(Decimal(value), 2)


def percent(value: str | Decimal) -> str:
    """A rate in the reader's language without trailing zeros (3%, 2,5% or 2.5%)."""
    return format_number(Decimal(value).normalize()) + "%"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def render(steps: list[dict] | tuple[dict, ...]) -> str:
    """The steps as one paragraph in the reader's language."""
    by_step = {step["step"]: step for step in steps}
    if "loss" in by_step:
        return _("The year closed with a net result of %(amount)s, not a profit, so no contribution is due and "
                 "nothing goes to the legal reserve.", amount=money(by_step["loss"]["net_result"]))
    rate = by_step["rate"]
    calculation = ""
    if base := by_step.get("base"):
        parts = [_("net profit %(amount)s", amount=money(base["net_profit"]))]
        if Decimal(base["prior_losses_covered"]):
            parts.append(_("less %(amount)s covering prior years' losses", amount=money(base["prior_losses_covered"])))
        if Decimal(base["ristorni"]):
            parts.append(_("less %(amount)s of ristorni", amount=money(base["ristorni"])))
        calculation = _("The base is %(parts)s: %(base)s.", parts=", ".join(parts), base=money(base["base"])) + " "
        calculation += _sentence(_("%(rate)s of the base %(base)s is %(amount)s", rate=percent(rate["rate"]),
                                   base=money(rate["base"]), amount=money(rate["amount"])))
    else:
        calculation = _("%(rate)s of net profit %(base)s is %(amount)s", rate=percent(rate["rate"]),
                        base=money(rate["base"]), amount=money(rate["amount"]))
    reserve = ""
    if step := by_step.get("legal_reserve"):
        reserve = _("; at least %(amount)s (%(share)s) goes to the legal reserve", amount=money(step["amount"]),
                    share=percent(step["share"]))
    if step := by_step.get("below_minimum"):
        return _sentence(_("%(calculation)s, below the minimum of %(minimum)s, so nothing is due%(reserve)s.",
                           calculation=calculation, minimum=money(step["minimum"]), reserve=reserve))
    pro_rata = split = ""
    if step := by_step.get("pro_rata"):
        pro_rata = _("; the co-op belonged to the association %(days)s of the year's %(year_days)s days, so "
                     "%(amount)s is due here", days=step["days_member"], year_days=step["days_in_year"],
                     amount=money(step["amount"]))
    if step := by_step.get("split"):
        split = _(", split equally between %(count)s associations as %(shares)s", count=step["associations"],
                  shares=" + ".join(money(share) for share in step["shares"]))
    due = format_date(date.fromisoformat(by_step["due"]["date"]))
    return _sentence(_("%(calculation)s%(pro_rata)s, due by %(date)s%(split)s%(reserve)s.", calculation=calculation,
                       pro_rata=pro_rata, date=due, split=split, reserve=reserve))


def of_contribution(contribution) -> str:
    """A stored contribution's explanation: from its steps in the reader's language, else the stored text."""
    steps = contribution.explanation_steps
    return render(steps) if steps else contribution.explanation


def language_of(contribution) -> str | None:
    """"en" for a row that has only its stored English sentence; None when it is written in the reader's language."""
    return None if contribution.explanation_steps else "en"
