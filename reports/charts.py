"""Charts drawn on the server as SVG with matplotlib, text kept as text.

Each chart comes with its title, a sentence describing it, and the table of the figures it
draws, for people who cannot see it; the same SVG goes into the page and the PDF (which
runs no JavaScript). A hidden figure (published output) is left out of the drawing.
"""

import base64
import io
import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot  # noqa: E402  (the backend is chosen first)

from .tables import Column, Table  # noqa: E402

BEFORE, AFTER = "#b1b4b6", "#1d70b8"
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "coursebook",
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass
class Chart:
    key: str
    title: str
    description: str
    svg: str
    table: Table

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _number(value) -> float:
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else math.nan
    )


def _svg(figure, title: str, description: str) -> str:
    out = io.StringIO()
    figure.savefig(
        out,
        format="svg",
        bbox_inches="tight",
        metadata={"Title": title, "Description": description, "Date": None, "Creator": None},
    )
    pyplot.close(figure)
    return out.getvalue()


def _say_if_empty(axes, labels) -> None:
    if not labels:
        axes.text(0.5, 0.5, "Nothing in this period", transform=axes.transAxes, ha="center")


def _bars(labels, series, *, title, description, horizontal=False, percent=False) -> str:
    """Grouped bars: series is a list of (name, colour, values)."""
    with pyplot.rc_context(STYLE):
        height = max(3.0, 0.35 * len(labels) * len(series) + 1.2) if horizontal else 3.6
        figure, axes = pyplot.subplots(figsize=(7.5, height))
        width = 0.8 / max(len(series), 1)
        positions = range(len(labels))
        for index, (name, colour, values) in enumerate(series):
            offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
            numbers = [_number(v) for v in values]
            if horizontal:
                axes.barh(offsets, numbers, height=width, label=name, color=colour)
            else:
                axes.bar(offsets, numbers, width=width, label=name, color=colour)
        if horizontal:
            axes.set_yticks(list(positions), labels)
            axes.invert_yaxis()
        else:
            axes.set_xticks(
                list(positions),
                labels,
                rotation=30 if len(labels) > 6 else 0,
                ha="right" if len(labels) > 6 else "center",
            )
        _say_if_empty(axes, labels)
        if len(series) > 1:
            axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(series))
        axes.set_title(title, loc="left", fontsize=11, pad=24 if len(series) > 1 else 6)
        return _svg(figure, title, description)


def _dumbbells(labels, before, after, *, title, description) -> str:
    """One line a learning outcome, from its mean before to its mean after."""
    with pyplot.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(7.5, max(2.0, 0.3 * len(labels) + 1.2)))
        rows = range(len(labels))
        axes.hlines(rows, [_number(v) for v in before], [_number(v) for v in after], color=BEFORE)
        axes.plot([_number(v) for v in before], rows, "o", color=BEFORE, label="Before")
        axes.plot([_number(v) for v in after], rows, "o", color=AFTER, label="After")
        axes.set_yticks(list(rows), labels)
        axes.set_ylim(max(len(labels), 1) - 0.5, -0.5)
        _say_if_empty(axes, labels)
        axes.set_xlim(1, 4)
        axes.set_xticks([1, 2, 3, 4], ["Poor", "Satisfactory", "Good", "Excellent"])
        axes.grid(axis="x", color="#e5e5e5")
        axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2)
        axes.set_title(title, loc="left", fontsize=11, pad=24)
        return _svg(figure, title, description)


def outcomes_chart(report: dict) -> Chart:
    """The core programme's learning outcomes, as the annual report shows them (all
    courses' when no core course has ratings)."""
    core = {row["key"] for row in report["by_course"] if row.get("programme") == "core"}
    rated = [row for row in report["outcomes"] if isinstance(row["n"], int) and row["n"] > 0]
    rated = [row for row in rated if row["course"] in core] or rated
    labels = [f"{row['course']} {row['position']}" for row in rated]
    title = "Average rating before and after, by learning outcome"
    description = (
        "For each learning outcome of the core workshops (course code and number), the mean "
        "of delegates' own ratings of their knowledge before the workshop (grey) and after "
        "it (blue), from Poor (1) to Excellent (4)."
    )
    svg = _dumbbells(
        labels,
        [row["before_mean"] for row in rated],
        [row["after_mean"] for row in rated],
        title=title,
        description=description,
    )
    table = Table(
        key="chart_outcomes",
        title=title,
        description=description,
        columns=[
            Column("Outcome", "text"),
            Column("n"),
            Column("Before", "mean"),
            Column("After", "mean"),
        ],
        rows=[
            [f"{label}: {row['outcome']}", row["n"], row["before_mean"], row["after_mean"]]
            for label, row in zip(labels, rated, strict=True)
        ],
    )
    return Chart("outcomes", title, description, svg, table)


def months_chart(report: dict) -> Chart:
    months = report["months"]
    title = "Booked and attended, by month"
    description = (
        "For each month, the places booked on sessions that started then, and the people "
        "who attended."
    )
    svg = _bars(
        [row["month"] for row in months],
        [
            ("Booked", BEFORE, [row["booked"] for row in months]),
            ("Attended", AFTER, [row["attended"] for row in months]),
        ],
        title=title,
        description=description,
    )
    table = Table(
        key="chart_months",
        title=title,
        description=description,
        columns=[Column("Month", "text"), Column("Booked"), Column("Attended")],
        rows=[[row["month"], row["booked"], row["attended"]] for row in months],
    )
    return Chart("months", title, description, svg, table)


def sectors_chart(report: dict) -> Chart:
    reach = report["reach"]
    years = reach["years"]
    rows = reach["by_sector"]
    title = "Delegates who attended, by sector"
    description = f"Delegates who attended in each sector, in {years[-1]} and the year before."
    svg = _bars(
        [row["label"] for row in rows],
        [
            (years[-2], BEFORE, [row["attended"][-2] for row in rows]),
            (years[-1], AFTER, [row["attended"][-1] for row in rows]),
        ],
        title=title,
        description=description,
        horizontal=True,
    )
    table = Table(
        key="chart_sectors",
        title=title,
        description=description,
        columns=[Column("Sector", "text"), Column(years[-2]), Column(years[-1])],
        rows=[[row["label"], row["attended"][-2], row["attended"][-1]] for row in rows],
    )
    return Chart("sectors", title, description, svg, table)


def trainers_chart(report: dict) -> Chart:
    agencies = report["trainer_agencies"]
    title = "Sessions delivered, by trainer agency"
    description = "How many of the period's delivered sessions each agency's trainers delivered."
    svg = _bars(
        [row["agency"] for row in agencies],
        [("Sessions", AFTER, [row["sessions"] for row in agencies])],
        title=title,
        description=description,
        horizontal=True,
    )
    table = Table(
        key="chart_trainers",
        title=title,
        description=description,
        columns=[Column("Agency", "text"), Column("Sessions"), Column("Share", "text")],
        rows=[[row["agency"], row["sessions"], f"{row['percent']:.1f}%"] for row in agencies],
    )
    return Chart("trainers", title, description, svg, table)


def report_charts(report: dict) -> list[Chart]:
    return [
        outcomes_chart(report),
        months_chart(report),
        sectors_chart(report),
        trainers_chart(report),
    ]
