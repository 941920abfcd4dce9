"""The stable keys of the questions, which the reports and the history import read by.

Wording changes from version to version; these keys do not.
"""

# End-of-session evaluation.
OUTCOMES_AFTER = "outcomes_after"
EXPERIENCE = "experience"
TRAINER_KNOWLEDGE = "trainer_knowledge"
MATERIALS = "materials"
VENUE = "venue"
OBJECTIVES_MET = "objectives_met"
OUTCOMES_BEFORE = "outcomes_before"
ACTION_PLAN = "action_plan"
COMMENTS = "comments"

# Optional pre-course rating.
OUTCOMES_PRE = "outcomes_pre"

# Follow-up impact survey.
USED_LEARNING = "used_learning"
EXAMPLE = "example"
HELPED_OR_HINDERED = "helped_or_hindered"
CONFIDENCE = "confidence"
FURTHER_TRAINING = "further_training"

# Line manager's view.
SEEN_CHANGE = "seen_change"
MANAGER_EXAMPLE = "manager_example"

# The answers that count as "changed practice" (delegates) and "seen a change" (managers).
USED_LEARNING_CHOICES = [("yes", "Yes"), ("partly", "Partly"), ("not_yet", "Not yet")]
CHANGED_PRACTICE_VALUES = ("yes", "partly")
SEEN_CHANGE_CHOICES = [("yes", "Yes"), ("partly", "Partly"), ("no", "No"), ("unsure", "Not sure")]
SEEN_CHANGE_VALUES = ("yes", "partly")
OBJECTIVES_MET_CHOICES = [("fully", "Fully"), ("partly", "Partly"), ("not_met", "Not met")]
HELPED_OR_HINDERED_CHOICES = [
    ("manager", "My manager"),
    ("organisation", "My organisation"),
    ("time", "Time"),
    ("other", "Something else"),
]
