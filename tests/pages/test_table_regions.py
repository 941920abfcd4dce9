"""Every table on a coordinator's, reviewer's or trainer's page scrolls sideways inside its
own region, so that the page itself never does on a phone (the browser test
tests/browser/test_phone_layout.py measures it)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# PDFs and emails are not pages; these delegates' tables have two or three short columns
# and fit a phone as they are.
NOT_PAGES = {"documents", "emails"}
FIT_A_PHONE = {
    "training/_booking_table.html",
    "training/_session_table.html",
    "training/my_training.html",
    "pages/privacy.html",
}
TABLE = re.compile(r'^\s*<table class="govuk-table', re.MULTILINE)
REGION = re.compile(
    r'<div class="app-table-scroll" role="region" aria-(label|labelledby)="[^"]+" tabindex="0">'
)


def test_every_table_is_in_a_named_scrolling_region():
    unwrapped = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.split("/")[0] in NOT_PAGES or name in FIT_A_PHONE:
            continue
        text = path.read_text()
        for table in TABLE.finditer(text):
            line_before = text[: table.start()].rstrip("\n").rsplit("\n", 1)[-1]
            if not REGION.search(line_before):
                unwrapped.append(f"{name}:{text.count(chr(10), 0, table.start()) + 1}")
    assert unwrapped == [], f"tables outside an app-table-scroll region: {unwrapped}"
