"""The report laid out as tables: one layout for the page, the CSV, the XLSX and the PDF.

Cells keep their raw values (counts, fractions, decimal strings, or the publication
markers "<5" and "[c]"); each column says what kind of figure it holds, and
``reports.templatetags.report_figures`` formats them for people.
"""

from dataclasses import dataclass, field

from training.models import Programme

from .report import FIGURE_LABELS

COUNT, RATE, MEAN, MONEY, TEXT, P_VALUE, SHARE_PERCENT = (
    "count",
    "rate",
    "mean",
    "money",
    "text",
    "p",
    "percent",
)
FIGURE_KINDS = {
    "booking_rate_mean": RATE,
    "booking_rate_pooled": RATE,
    "attendance_rate": RATE,
    "charges_raised_gbp": MONEY,
    "charges_waived_gbp": MONEY,
}


@dataclass
class Column:
    label: str
    kind: str = COUNT

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass
class Table:
    key: str
    title: str
    description: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # Rows shown in bold after the body: totals, percentages.
    footer: list[list] = field(default_factory=list)
    # The cell that names its row (a row header for screen readers).
    row_header: int = 0


def _figure_columns(figures: list[str]) -> list[Column]:
    return [Column(FIGURE_LABELS[name], FIGURE_KINDS.get(name, COUNT)) for name in figures]


def headline_table(report: dict) -> Table:
    this, last = report["period"], report["previous"]["period"]
    return Table(
        key="headline",
        title="Headline figures",
        description=(
            "Delivered sessions that started in the period, with the same figures for the "
            "year before. Booked means confirmed when the session started; attendance "
            "counts attended and partly attended, and its rate leaves walk-ins out."
        ),
        columns=[
            Column("Figure", TEXT),
            Column(f"{this['from']} to {this['to']}"),
            Column(f"{last['from']} to {last['to']}"),
        ],
        rows=[
            [label, report["summary"][name], report["previous"]["summary"][name]]
            for name, label in FIGURE_LABELS.items()
        ],
    )


def row_kinds(table: Table, row_index: int) -> list[str]:
    """The headline table's rows are of different kinds; other tables' columns are."""
    if table.key == "headline":
        name = list(FIGURE_LABELS)[row_index]
        kind = FIGURE_KINDS.get(name, COUNT)
        return [TEXT, kind, kind]
    return [column.kind for column in table.columns]


BREAKDOWNS = {
    "by_programme": ("Programme", "By programme"),
    "by_course": ("Course", "By course"),
    "by_sector": ("Sector", "Delegates by sector"),
    "by_borough": ("Borough", "Delegates by borough of their organisation"),
    "by_agency": ("Organisation", "No-shows and late cancellations by organisation"),
}
DELEGATE_FIGURES = [
    "booked",
    "attended",
    "walk_ins",
    "attendance_rate",
    "no_shows",
    "late_cancellations",
    "charges_raised_gbp",
    "charges_waived_gbp",
]


def breakdown_table(report: dict, key: str) -> Table:
    label, title = BREAKDOWNS[key]
    by_sessions = key in ("by_programme", "by_course")
    figures = list(FIGURE_LABELS) if by_sessions else DELEGATE_FIGURES
    description = (
        "The headline figures for each; sessions and places belong to the course."
        if by_sessions
        else "By the organisation each delegate booked under. Places belong to sessions, "
        "not to organisations, so there is no booking rate here."
    )
    return Table(
        key=key,
        title=title,
        description=description,
        columns=[Column(label, TEXT), *_figure_columns(figures)],
        rows=[[row["label"], *(row[name] for name in figures)] for row in report[key]],
    )


def trainer_agency_table(report: dict) -> Table:
    table = report["trainer_agency_table"]
    programmes = dict(Programme.choices)
    return Table(
        key="trainer_agencies",
        title="Sessions by trainer agency",
        description=(
            "Delivered sessions of each course by the agency that delivered them, with each "
            "agency's share of all the sessions."
        ),
        columns=[
            Column("Programme", TEXT),
            Column("Course", TEXT),
            *(Column(name) for name in table["agencies"]),
            Column("Total"),
        ],
        rows=[
            [
                programmes.get(row["programme"], row["programme"]),
                row["title"],
                *row["sessions"],
                row["total"],
            ]
            for row in table["rows"]
        ],
        footer=[
            ["", "Total", *table["totals"], table["total"]],
            [
                "",
                "Percentage",
                *(f"{p:.1f}%" for p in table["percents"]),
                "100.0%" if table["total"] else "",
            ],
        ],
        row_header=1,
    )


def reach_tables(report: dict) -> list[Table]:
    years = report["reach"]["years"]
    return [
        Table(
            key=f"reach_{part}",
            title=f"Delegates who attended by {noun}, over four years",
            description=(
                f"Whether every {noun} is coming: delegates who attended (or partly attended), "
                "by financial year."
                + (
                    " The Westminster report names police, probation and adult social care "
                    "as under-represented."
                    if part == "sector"
                    else ""
                )
            ),
            columns=[Column(noun.capitalize(), TEXT), *(Column(year) for year in years)],
            rows=[[row["label"], *row["attended"]] for row in report["reach"][f"by_{part}"]],
        )
        for part, noun in (("sector", "sector"), ("borough", "borough"))
    ]


def outcome_table(report: dict) -> Table:
    return Table(
        key="outcomes",
        title="Before and after, by learning outcome",
        description=(
            "Delegates rated their own knowledge of each learning outcome from Poor (1) to "
            "Excellent (4), now and, on a separate page, as it was before the workshop. n "
            "counts delegates who gave both. The p-value is the Wilcoxon signed-rank test "
            "(two-sided, Pratt's treatment of unchanged ratings); the effect size is the "
            "matched-pairs rank-biserial correlation, from -1 (all worse) to 1 (all "
            "improved). A true pre-rating is one given before the session. All ratings are "
            "self-reported."
        ),
        columns=[
            Column("Course", TEXT),
            Column("Outcome", TEXT),
            Column("n"),
            Column("Before, mean", MEAN),
            Column("After, mean", MEAN),
            Column("Before, median", MEAN),
            Column("After, median", MEAN),
            Column("Improved", RATE),
            Column("Unchanged", RATE),
            Column("Worse", RATE),
            Column("Wilcoxon p", P_VALUE),
            Column("Effect size", MEAN),
            Column("True pre-ratings, n"),
            Column("True pre-rating, mean", MEAN),
        ],
        rows=[
            [
                row["course"],
                f"{row['position']}. {row['outcome']}",
                *(
                    row[name]
                    for name in (
                        "n",
                        "before_mean",
                        "after_mean",
                        "before_median",
                        "after_median",
                        "improved",
                        "unchanged",
                        "worse",
                        "wilcoxon_p",
                        "effect_size",
                        "pre_n",
                        "pre_mean",
                    )
                ),
            ]
            for row in report["outcomes"]
        ],
    )


def experience_table(report: dict) -> Table:
    return Table(
        key="experience",
        title="How delegates rated the workshop",
        description=(
            "The overall rating of each course, from Poor (1) to Excellent (4), and the share "
            "rating it Good or Excellent with its 95% Wilson interval: the range the share "
            "would plausibly take with other delegates like these. Self-reported."
        ),
        columns=[
            Column("Course", TEXT),
            Column("n"),
            Column("Mean", MEAN),
            Column("Good or Excellent", RATE),
            Column("95% interval, from", RATE),
            Column("95% interval, to", RATE),
        ],
        rows=[
            [
                row["course"],
                row["n"],
                row["mean"],
                row["good_or_excellent"],
                row["ci_low"],
                row["ci_high"],
            ]
            for row in report["experience"]
        ],
    )


def follow_up_tables(report: dict) -> list[Table]:
    follow = report["follow_up"]
    return [
        Table(
            key="follow_up",
            title="Follow-up: has practice changed?",
            description=(
                "Delegates asked some months after the session whether they have used what "
                "they learned (Yes or Partly counts as changed practice), and, apart, their "
                "line managers' view. Self-reported, and only by those who answered."
            ),
            columns=[Column("Figure", TEXT), Column("Value")],
            rows=[
                ["Delegates invited", follow["invited"]],
                ["Delegates who responded", follow["responded"]],
                ["Response rate", follow["response_rate"]],
                ["Share reporting changed practice", follow["changed_practice"]],
                ["Line managers invited", follow["managers_invited"]],
                ["Line managers who responded", follow["managers_responded"]],
                ["Line managers who have seen a change", follow["managers_seen_change"]],
            ],
        ),
        Table(
            key="follow_up_by_agency",
            title="Follow-up response rate by organisation",
            description=(
                "Who answers the follow-up: where an organisation's delegates rarely reply, "
                "the changed-practice figure speaks less for them (non-response bias)."
            ),
            columns=[
                Column("Organisation", TEXT),
                Column("Invited"),
                Column("Responded"),
                Column("Response rate", RATE),
            ],
            rows=[
                [row["label"], row["invited"], row["responded"], row["response_rate"]]
                for row in report["follow_up_by_agency"]
            ],
        ),
    ]


def month_table(report: dict) -> Table:
    return Table(
        key="months",
        title="Bookings and attendance by month",
        description="Booked and attended on the sessions that started in each month.",
        columns=[Column("Month", TEXT), Column("Booked"), Column("Attended")],
        rows=[[row["month"], row["booked"], row["attended"]] for row in report["months"]],
    )


def report_tables(report: dict) -> list[Table]:
    """Every table, in the order the exports list them."""
    return [
        headline_table(report),
        trainer_agency_table(report),
        *(breakdown_table(report, key) for key in BREAKDOWNS),
        *reach_tables(report),
        month_table(report),
        outcome_table(report),
        experience_table(report),
        *follow_up_tables(report),
    ]
