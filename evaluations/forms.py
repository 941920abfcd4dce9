"""Survey pages as GOV.UK forms: one block per question, radios for every rating, each
learning outcome in its own group (no rating grids)."""

from django import forms

from pages.form_fields import OneLineField

from .models import Answer, OutcomeRating, Question, Rating
from .services.responses import OUTCOME_FIELDS, PageAnswers

RATING_CHOICES = [(str(value), label) for value, label in Rating.choices]
INVALID_RATING = "Choose Poor, Satisfactory, Good or Excellent"


def outcome_field_name(question: Question, outcome) -> str:
    return f"{question.key}__{outcome.pk}"


def _rating_field(*, label: str, hint: str, required: bool, needed: str) -> forms.Field:
    return forms.TypedChoiceField(
        label=label,
        help_text=hint,
        choices=RATING_CHOICES,
        coerce=int,
        required=required,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": needed, "invalid_choice": INVALID_RATING},
    )


class SurveyPageForm(forms.Form):
    """The questions of one page. `blocks` is what the template walks: a heading (the
    question, for a learning-outcome question) and its fields."""

    def __init__(self, *args, questions, outcomes, initial_answers=None, **kwargs):
        super().__init__(*args, initial=initial_answers or {}, **kwargs)
        self.questions = list(questions)
        self.outcomes = list(outcomes)
        self.blocks: list[tuple[Question | None, list[forms.BoundField]]] = []
        for question in self.questions:
            if question.kind in OUTCOME_FIELDS:
                names = []
                for outcome in self.outcomes:
                    name = outcome_field_name(question, outcome)
                    self.fields[name] = _rating_field(
                        label=outcome.text,
                        hint="",
                        required=question.required,
                        needed=f"Choose a rating for “{outcome.text}”",
                    )
                    names.append(name)
                self.blocks.append((question, [self[name] for name in names]))
                continue
            self.fields[question.key] = self._field(question)
            self.blocks.append((None, [self[question.key]]))

    def _field(self, question: Question) -> forms.Field:
        needed = f"Answer “{question.text}”"
        if question.kind == Question.Kind.RATING:
            return _rating_field(
                label=question.text, hint=question.hint, required=question.required, needed=needed
            )
        if question.kind == Question.Kind.CHOICE:
            return forms.ChoiceField(
                label=question.text,
                help_text=question.hint,
                choices=[tuple(choice) for choice in question.choices],
                required=question.required,
                widget=forms.RadioSelect,
                error_messages={
                    "required": needed,
                    "invalid_choice": f"Choose an answer to “{question.text}”",
                },
            )
        if question.kind == Question.Kind.CHOICES:
            return forms.MultipleChoiceField(
                label=question.text,
                help_text=question.hint,
                choices=[tuple(choice) for choice in question.choices],
                required=question.required,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "required": needed,
                    "invalid_choice": f"Choose from the answers to “{question.text}”",
                },
            )
        return forms.CharField(
            label=question.text,
            help_text=question.hint,
            required=question.required,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={
                "required": needed,
                "max_length": "Keep your answer to 5,000 characters or fewer",
            },
        )

    def page_answers(self, *, answered_only: bool = False) -> PageAnswers:
        """The page's answers; with answered_only, only the valid, non-empty ones (what a
        page sent with errors keeps)."""
        page = PageAnswers()

        def wanted(name: str) -> bool:
            return not answered_only or self.cleaned_data.get(name) not in (None, "", [])

        for question in self.questions:
            if question.kind in OUTCOME_FIELDS:
                for outcome in self.outcomes:
                    name = outcome_field_name(question, outcome)
                    if wanted(name):
                        page.ratings.setdefault(outcome.pk, {})[OUTCOME_FIELDS[question.kind]] = (
                            self.cleaned_data.get(name)
                        )
            elif wanted(question.key):
                page.answers[question.key] = self.cleaned_data.get(question.key)
        return page


def initial_from(questions, outcomes, answers: list[Answer], ratings: list[OutcomeRating]) -> dict:
    """The saved draft as the form's initial values."""
    by_question = {answer.question_id: answer for answer in answers}
    by_outcome = {rating.outcome_id: rating for rating in ratings}
    initial: dict = {}
    for question in questions:
        if question.kind in OUTCOME_FIELDS:
            name = OUTCOME_FIELDS[question.kind]
            for outcome in outcomes:
                rating = by_outcome.get(outcome.pk)
                if rating is not None and getattr(rating, name) is not None:
                    initial[outcome_field_name(question, outcome)] = str(getattr(rating, name))
            continue
        answer = by_question.get(question.pk)
        if answer is None:
            continue
        if question.kind == Question.Kind.RATING and answer.rating:
            initial[question.key] = str(answer.rating)
        elif question.kind == Question.Kind.CHOICE:
            initial[question.key] = answer.choice
        elif question.kind == Question.Kind.CHOICES:
            initial[question.key] = answer.choices
        else:
            initial[question.key] = answer.text
    return initial


class QuestionnaireEditForm(forms.Form):
    """The wording of a questionnaire: its title, introduction and each question."""

    title = OneLineField(label="Title", max_length=200)
    introduction = forms.CharField(
        label="Introduction", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, questionnaire, **kwargs):
        questions = list(questionnaire.questions.all())
        initial = {"title": questionnaire.title, "introduction": questionnaire.introduction}
        super().__init__(*args, initial=initial, **kwargs)
        self.question_rows = []
        for question in questions:
            text_name, hint_name = f"text_{question.key}", f"hint_{question.key}"
            self.fields[text_name] = forms.CharField(
                label=f"Question {question.position} ({question.get_kind_display()})",
                max_length=300,
                initial=question.text,
                error_messages={"required": f"Enter the wording of question {question.position}"},
            )
            self.fields[hint_name] = forms.CharField(
                label=f"Hint for question {question.position} (optional)",
                max_length=300,
                required=False,
                initial=question.hint,
            )
            self.question_rows.append((question, self[text_name], self[hint_name]))

    def wording(self) -> dict[str, tuple[str, str]]:
        return {
            question.key: (
                self.cleaned_data[f"text_{question.key}"],
                self.cleaned_data[f"hint_{question.key}"],
            )
            for question, _, _ in self.question_rows
        }
