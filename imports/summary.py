"""The words for what an import created, or would create: for the command and the page."""

from .services.reading import FILE_NAMES

ROW_NAMES = {
    "agencies.csv": ("organisation", "organisations"),
    "courses.csv": ("course", "courses"),
    "sessions.csv": ("session", "sessions"),
    "bookings.csv": ("booking", "bookings"),
    "evaluations.csv": ("evaluation", "evaluations"),
    "people": ("account", "accounts"),
}
YEAR_COLUMNS = (
    ("year", "Financial year"),
    ("sessions", "Sessions"),
    ("delivered", "Delivered"),
    ("bookings", "Bookings"),
    ("confirmed", "Confirmed"),
    ("attended", "Attended"),
)


def plural(count: int, name: str) -> str:
    one, many = ROW_NAMES[name]
    return f"{count} {one if count == 1 else many}"


def count_rows(summary: dict) -> list[dict]:
    """Per file present, and for people: new and already in Coursebook."""
    rows = []
    for name in (*FILE_NAMES, "people"):
        if name != "people" and name not in summary["files"]:
            continue
        count = summary["counts"][name]
        label = "accounts for people" if name == "people" else name
        rows.append({"name": label, "new": count["new"], "existing": count["existing"]})
    return rows


def erased_line(summary: dict) -> str:
    """Rows of people whose data was erased are left out, counted and never named."""
    erased = summary.get("erased_rows", 0)
    if not erased:
        return ""
    return (
        f"{erased} {'row' if erased == 1 else 'rows'} for people whose data was erased: left out"
    )


def summary_lines(summary: dict, *, dry_run: bool) -> list[str]:
    erased = [f"  {erased_line(summary)}"] if erased_line(summary) else []
    if summary["nothing_new"]:
        return ["Nothing new: everything in these files is already in Coursebook.", *erased]
    lines = ["Checked: no problems. This import would create:" if dry_run else "Imported:"]
    for row in count_rows(summary):
        name = row["name"]
        key = "people" if name.startswith("accounts") else name
        lines.append(
            f"  {name}: {plural(row['new'], key)} new, {row['existing']} already in Coursebook"
        )
    boroughs = summary["counts"]["boroughs"]["new"]
    if boroughs:
        lines.append(f"  boroughs: {boroughs} new")
    if summary.get("venues_created"):
        lines.append(f"  venues: {summary['venues_created']} new, without an address yet")
    lines += erased
    if summary["years"]:
        lines.append("")
        lines.append("Reconciliation by financial year (1 April to 31 March), from the files:")
        widths = [max(len(label), 9) for _, label in YEAR_COLUMNS]
        lines.append(
            "  ".join(label.ljust(w) for (_, label), w in zip(YEAR_COLUMNS, widths, strict=True))
        )
        for year in summary["years"]:
            lines.append(
                "  ".join(
                    str(year[key]).ljust(w)
                    for (key, _), w in zip(YEAR_COLUMNS, widths, strict=True)
                )
            )
    return lines
