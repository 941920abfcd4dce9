"""The first version of each questionnaire. Coordinators edit the wording later; the keys
(evaluations.keys) stay, because the reports read answers by them."""

from django.db import migrations

RATING_HINT = "Poor, Satisfactory, Good or Excellent"

QUESTIONNAIRES = {
    "end_of_session": (
        "Evaluate your workshop",
        "It takes about three minutes. Your answers help the partnership improve its training.",
        [
            # page 1: how things stand now, and the session itself
            (1, "outcomes_after", "outcome_after", "Now, after the workshop, how would you rate your knowledge of each learning outcome?", "", [], True),
            (1, "experience", "rating", "Overall, how would you rate the workshop?", "", [], True),
            (1, "trainer_knowledge", "rating", "How would you rate the trainer's knowledge of the subject?", "", [], True),
            (1, "materials", "rating", "How would you rate the materials and handouts?", "", [], True),
            (1, "venue", "rating", "How would you rate the venue, or the online delivery?", "", [], True),
            (1, "objectives_met", "choice", "Were the workshop's objectives met?", "", [["fully", "Fully"], ["partly", "Partly"], ["not_met", "Not met"]], True),
            # page 2, on its own: the retrospective "before" rating
            (2, "outcomes_before", "outcome_before", "Thinking back to before the workshop, how would you have rated your knowledge of each learning outcome?", "Answer for how things were before you came, not now.", [], True),
            # page 3: what happens next
            (3, "action_plan", "text", "What will you do differently in your work as a result of this workshop?", "We will remind you of this in a few months, when we ask how it went.", [], False),
            (3, "comments", "text", "Any other comments about the workshop?", "", [], False),
        ],
    ),
    "pre_course": (
        "Before your workshop",
        "Optional: rate where you are now, before coming. It helps us see what the workshop changes.",
        [
            (1, "outcomes_pre", "outcome_pre", "Before the workshop, how would you rate your knowledge of each learning outcome?", "", [], True),
        ],
    ),
    "follow_up": (
        "How has the training changed your practice?",
        "Five short questions about the workshop you attended a few months ago.",
        [
            (1, "used_learning", "choice", "Have you used what you learned in your work?", "", [["yes", "Yes"], ["partly", "Partly"], ["not_yet", "Not yet"]], True),
            (1, "example", "text", "Give an example of how you have used it.", "Leave out names and anything that could identify a child or family.", [], False),
            (1, "helped_or_hindered", "choices", "What helped or got in the way?", "Select all that apply.", [["manager", "My manager"], ["organisation", "My organisation"], ["time", "Time"], ["other", "Something else"]], False),
            (1, "confidence", "rating", "How confident do you feel now in this area of your practice?", "", [], True),
            (1, "further_training", "text", "What further training would help you?", "", [], False),
        ],
    ),
    "manager": (
        "Has the training made a difference?",
        "A member of your team attended a safeguarding workshop a few months ago. Two questions.",
        [
            (1, "seen_change", "choice", "Have you seen a change in their practice since the workshop?", "", [["yes", "Yes"], ["partly", "Partly"], ["no", "No"], ["unsure", "Not sure"]], True),
            (1, "manager_example", "text", "Give an example, if you can.", "Leave out names and anything that could identify a child or family.", [], False),
        ],
    ),
}


def create(apps, schema_editor):
    Questionnaire = apps.get_model("evaluations", "Questionnaire")
    Question = apps.get_model("evaluations", "Question")
    for kind, (title, introduction, questions) in QUESTIONNAIRES.items():
        questionnaire, created = Questionnaire.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "introduction": introduction}
        )
        if not created:
            continue
        for position, (page, key, qkind, text, hint, choices, required) in enumerate(questions, 1):
            Question.objects.create(
                questionnaire=questionnaire,
                key=key,
                page=page,
                position=position,
                kind=qkind,
                text=text,
                hint=hint,
                choices=choices,
                required=required,
            )


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
