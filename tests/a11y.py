"""What a screen-reader user needs of a refused form (WCAG 3.3.1, 1.3.1, 4.1.2), checked on a page's HTML.

`tied_errors(page)` fails unless the page has one error summary that is a `role="alert"` region taking the
focus, every link in it leads to exactly one element of the page, that element is marked invalid (a group of
ticks: a fieldset) and described by an element that holds its error, no error sits inside a `<label>` (where it
would be read as part of the field's name) and no id is used twice (labels and links would find the wrong one).
It returns each linked field's id with the text it is described by, for the test to assert on.
"""

from collections import Counter

from lxml import html


def _one(tree, element_id: str):
    found = tree.xpath("//*[@id=$id]", id=element_id)
    assert len(found) == 1, f"#{element_id} is on the page {len(found)} times, not once"
    return found[0]


def tied_errors(page: str) -> dict[str, str]:
    tree = html.fromstring(page)
    twice = [i for i, n in Counter(tree.xpath("//@id")).items() if n > 1]
    assert not twice, f"ids used more than once: {twice}"
    summary = _one(tree, "error-summary")
    assert summary.get("role") == "alert" and summary.get("tabindex") == "-1", html.tostring(summary)
    tied = {}
    for link in summary.xpath(".//a[starts-with(@href, '#')]"):
        field = _one(tree, link.get("href")[1:])
        assert field.tag == "fieldset" or field.get("aria-invalid") == "true", html.tostring(field)[:300]
        described = (field.get("aria-describedby") or "").split()
        assert described, f"#{field.get('id')} is not described by its error"
        texts = [_one(tree, ref).text_content().strip() for ref in described]
        assert all(texts), f"#{field.get('id')} is described by an empty element"
        tied[field.get("id")] = " ".join(texts)
    assert tied or summary.xpath(".//li"), "the summary lists nothing"
    inside = tree.xpath("//label//*[contains(concat(' ', normalize-space(@class), ' '), ' errors ')]")
    assert not inside, f"an error sits inside a label: {[e.text_content() for e in inside]}"
    for control in tree.xpath("//*[@aria-invalid='true']"):
        assert control.get("aria-describedby"), f"{control.get('name')} is invalid but not described"
    return tied
