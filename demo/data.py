"""A realistic tri-borough partnership, after the 2017-18 annual report's training table."""

from accounts.models import Borough, Sector

PARTNERSHIP_BOROUGHS = ["Hammersmith & Fulham", "Kensington and Chelsea", "Westminster"]
CROSS_BOROUGH = "Tri-borough"
OUTSIDE = "Outside the area"

HF, KC, WM = PARTNERSHIP_BOROUGHS

# name, sector, borough, pays for places
AGENCIES = [
    # The trainer agencies of the annual report's table, under the names it uses.
    ("Health", Sector.HEALTH, CROSS_BOROUGH, False),
    ("LBHF", Sector.CHILDRENS_SERVICES, HF, False),
    ("RBKC", Sector.CHILDRENS_SERVICES, KC, False),
    ("WCC", Sector.CHILDRENS_SERVICES, WM, False),
    ("Tri-Borough", Sector.CHILDRENS_SERVICES, CROSS_BOROUGH, False),
    ("LSCB Trainer", Sector.CHILDRENS_SERVICES, CROSS_BOROUGH, False),
    ("External Trainer", Sector.PRIVATE, OUTSIDE, False),
    ("Standing Together", Sector.VOLUNTARY, CROSS_BOROUGH, False),
    ("IKWRO", Sector.VOLUNTARY, OUTSIDE, False),
    ("Turning Point", Sector.VOLUNTARY, CROSS_BOROUGH, False),
    ("WAGN", Sector.VOLUNTARY, KC, False),
    # Where delegates come from.
    ("Imperial College Healthcare NHS Trust", Sector.HEALTH, CROSS_BOROUGH, False),
    ("Chelsea and Westminster Hospital NHS Foundation Trust", Sector.HEALTH, KC, False),
    ("Central London Community Healthcare NHS Trust", Sector.HEALTH, CROSS_BOROUGH, False),
    ("Central and North West London NHS Foundation Trust", Sector.HEALTH, WM, False),
    ("Brook Green Medical Centre", Sector.HEALTH, HF, False),
    ("Earls Court Health and Wellbeing Centre", Sector.HEALTH, KC, False),
    ("Marylebone Health Centre", Sector.HEALTH, WM, False),
    ("Metropolitan Police, Central West BCU", Sector.POLICE, CROSS_BOROUGH, False),
    ("National Probation Service, London", Sector.PROBATION, CROSS_BOROUGH, False),
    ("London Community Rehabilitation Company", Sector.PROBATION, CROSS_BOROUGH, False),
    ("Hammersmith & Fulham Adult Social Care", Sector.ADULT_SOCIAL_CARE, HF, False),
    ("Westminster Adult Social Care", Sector.ADULT_SOCIAL_CARE, WM, False),
    ("Fulham Cross Girls' School", Sector.SCHOOL, HF, False),
    ("Holland Park School", Sector.SCHOOL, KC, False),
    ("St Marylebone CE School", Sector.SCHOOL, WM, False),
    ("Ark Burlington Danes Academy", Sector.SCHOOL, HF, False),
    ("Pembridge Hall School", Sector.PRIVATE, KC, True),
    ("Little Acorns Day Nursery", Sector.EARLY_YEARS, HF, True),
    ("Queen's Park Children's Centre", Sector.EARLY_YEARS, WM, False),
    ("Kensington and Chelsea College", Sector.FURTHER_EDUCATION, KC, False),
    ("City of Westminster College", Sector.FURTHER_EDUCATION, WM, False),
    ("Peabody Housing", Sector.HOUSING, CROSS_BOROUGH, False),
    ("Notting Hill Genesis", Sector.HOUSING, KC, False),
    ("Home-Start Westminster", Sector.VOLUNTARY, WM, False),
    ("Action for Children", Sector.VOLUNTARY, CROSS_BOROUGH, False),
    ("Kensington Temple Youth Ministry", Sector.FAITH, KC, False),
    ("West London Mosque Trust", Sector.FAITH, WM, False),
    ("Bright Futures Childminding Agency", Sector.PRIVATE, HF, True),
    ("SafeSport Coaching Ltd", Sector.PRIVATE, OUTSIDE, True),
    ("Ealing Family Services", Sector.CHILDRENS_SERVICES, OUTSIDE, True),
    ("London Fire Brigade", Sector.OTHER, CROSS_BOROUGH, False),
]

BOROUGHS = [(name, Borough.Kind.PARTNERSHIP) for name in PARTNERSHIP_BOROUGHS] + [
    (CROSS_BOROUGH, Borough.Kind.CROSS_BOROUGH),
    (OUTSIDE, Borough.Kind.OUTSIDE),
]

# name, address, borough, access information
VENUES = [
    (
        "Hammersmith Town Hall, Committee Room 1",
        "King Street, London W6 9JU",
        HF,
        "Step-free entrance on Nigel Playfair Avenue; hearing loop. Ravenscourt Park station.",
    ),
    (
        "Kensington Town Hall, Small Hall",
        "Hornton Street, London W8 7NX",
        KC,
        "Step-free access and accessible toilets; High Street Kensington station.",
    ),
    (
        "Westminster Council House, Training Suite",
        "97-113 Marylebone Road, London NW1 5PT",
        WM,
        "Lift to all floors; hearing loop in the training suite. Baker Street station.",
    ),
    (
        "Chelsea Old Town Hall, Cadogan Room",
        "King's Road, London SW3 5EE",
        KC,
        "Ramp at the side entrance; ask at reception for the lift.",
    ),
]

# code, title, programme, level, hours, learning outcomes, sessions per trainer agency (2017-18)
COURSES = [
    (
        "INTRO-SG",
        "Introduction to Safeguarding Children",
        "core",
        "Level 2",
        3.5,
        [
            "Recognise the signs and indicators of abuse and neglect",
            "Know what to do and who to contact when worried about a child",
            "Understand your responsibilities under Working Together 2018",
        ],
        {"LSCB Trainer": 11},
    ),
    (
        "MASCP-L3",
        "Multi-Agency Safeguarding and Child Protection (Level 3)",
        "core",
        "Level 3",
        6.5,
        [
            "Understand the child protection process from referral to conference",
            "Apply thresholds and the continuum of need to case examples",
            "Share information confidently and lawfully between agencies",
            "Identify learning from local and national serious case reviews",
        ],
        {"Health": 9, "RBKC": 7, "LSCB Trainer": 33, "Standing Together": 2},
    ),
    (
        "MASCP-R3",
        "Multi-Agency Safeguarding and Child Protection Refresher (Level 3)",
        "core",
        "Level 3",
        3.5,
        [
            "Update knowledge of legislation, guidance and local procedures",
            "Reflect on practice against learning from recent case reviews",
            "Strengthen multi-agency working and escalation",
        ],
        {"LSCB Trainer": 5},
    ),
    (
        "SAFER-REC",
        "Safer Recruitment",
        "managerial",
        "Level 6",
        6.5,
        [
            "Understand the legal framework for safer recruitment",
            "Design a recruitment process that deters unsuitable applicants",
            "Carry out safer interviews and pre-employment checks",
        ],
        {"Tri-Borough": 4, "LSCB Trainer": 4},
    ),
    (
        "SAFER-REC-R",
        "Safer Recruitment Refresher (Level 6)",
        "managerial",
        "Level 6",
        3.0,
        [
            "Update knowledge of changes to safer recruitment guidance",
            "Review your organisation's recruitment practice",
        ],
        {"Tri-Borough": 3, "LSCB Trainer": 1},
    ),
    (
        "LADO",
        "Meet the LADO",
        "managerial",
        "",
        2.5,
        [
            "Understand the role of the Local Authority Designated Officer",
            "Know when and how to refer allegations against staff",
            "Manage an allegation within your organisation",
        ],
        {"Tri-Borough": 5},
    ),
    (
        "CSE-TRAUMA",
        "CSE: A Trauma Focused Approach",
        "specialist",
        "Level 3",
        6.0,
        [
            "Recognise the indicators of child sexual exploitation",
            "Understand the impact of trauma on young people's behaviour",
            "Use trauma-informed approaches when engaging young people",
        ],
        {"WAGN": 7},
    ),
    (
        "SG-DA",
        "Safeguarding and Domestic Abuse",
        "specialist",
        "Level 3",
        6.0,
        [
            "Understand domestic abuse and coercive control and their impact on children",
            "Use risk assessment tools such as DASH",
            "Know the local services and referral pathways",
        ],
        {"Standing Together": 6},
    ),
    (
        "MARAC",
        "MARAC Workshop",
        "specialist",
        "",
        3.0,
        [
            "Understand the purpose and process of MARAC",
            "Prepare and make a referral to MARAC",
            "Contribute effectively to MARAC action plans",
        ],
        {"Standing Together": 8},
    ),
    (
        "SG-NEGLECT",
        "Safeguarding and Neglect",
        "specialist",
        "Level 3",
        6.0,
        [
            "Recognise the forms and indicators of neglect",
            "Use the Graded Care Profile to assess neglect",
            "Plan multi-agency responses to chronic neglect",
        ],
        {"External Trainer": 1, "Standing Together": 1},
    ),
    (
        "GANGS",
        "Safeguarding and Gang Awareness",
        "specialist",
        "",
        3.5,
        [
            "Understand county lines and criminal exploitation",
            "Recognise young people at risk of gang involvement",
            "Know local responses and referral routes",
        ],
        {"LBHF": 1, "WCC": 1, "Tri-Borough": 1},
    ),
    (
        "EHP-RBKC",
        "Ending Harmful Practices (RBKC only)",
        "specialist",
        "",
        3.5,
        [
            "Understand FGM, forced marriage and honour-based abuse",
            "Know your legal duties including mandatory FGM reporting",
        ],
        {"IKWRO": 2},
    ),
    (
        "EHP",
        "Ending Harmful Practices",
        "specialist",
        "",
        3.5,
        [
            "Understand FGM, forced marriage and honour-based abuse",
            "Know your legal duties including mandatory FGM reporting",
            "Respond safely when a child or young person discloses",
        ],
        {"Tri-Borough": 2},
    ),
    (
        "PRIV-FOST",
        "Private Fostering workshop",
        "specialist",
        "",
        2.5,
        [
            "Recognise a private fostering arrangement",
            "Know the duty to notify the local authority",
        ],
        {"Tri-Borough": 3},
    ),
    (
        "YOUNG-CARERS",
        "Young Carers information session",
        "specialist",
        "",
        2.0,
        [
            "Identify young carers and the impact of caring",
            "Know the support available locally",
        ],
        {"Tri-Borough": 3},
    ),
    (
        "PSM",
        "Parental Substance Misuse",
        "specialist",
        "Level 3",
        3.5,
        [
            "Understand the impact of parental substance misuse on children",
            "Assess risk and build protective factors",
        ],
        {"Turning Point": 1},
    ),
    (
        "CP-CONF",
        "CP conference workshop",
        "specialist",
        "",
        3.0,
        [
            "Understand the purpose of child protection conferences",
            "Write clear reports and contribute to plans",
        ],
        {"RBKC": 4, "Tri-Borough": 1},
    ),
    (
        "SG-SUPERVISION",
        "Safeguarding and Supervision",
        "specialist",
        "",
        6.0,
        [
            "Use reflective supervision in safeguarding cases",
            "Recognise and respond to professional dangerousness",
        ],
        {"Standing Together": 1},
    ),
    (
        "MISSING",
        "Missing Children protocol",
        "specialist",
        "",
        2.5,
        [
            "Know the missing children protocol and return home interviews",
            "Understand links between going missing and exploitation",
        ],
        {"LBHF": 3, "Tri-Borough": 3},
    ),
    (
        "ONLINE",
        "Online Safety",
        "specialist",
        "",
        3.0,
        [
            "Understand the online risks children face",
            "Support children and parents to stay safe online",
            "Respond to online abuse and sharing of images",
        ],
        {"LSCB Trainer": 2, "External Trainer": 2},
    ),
]

SUMMARIES = {
    "core": "Part of the partnership's core programme for everyone who works with children "
    "and families.",
    "specialist": "A specialist workshop for practitioners who have completed the core programme.",
    "managerial": "For managers and those who lead safeguarding in their organisation.",
}

DEMO_PASSWORD = "coursebook-demo-2026"

# email, name, job title, agency, role
DEMO_ACCOUNTS = [
    ("delegate@demo.coursebook.test", "Dana Delegate", "Practice Nurse",
     "Brook Green Medical Centre", "delegate"),
    ("trainer@demo.coursebook.test", "Tariq Trainer", "Multi-Agency Trainer",
     "LSCB Trainer", "trainer"),
    ("coordinator@demo.coursebook.test", "Cora Coordinator", "Training Coordinator",
     "LSCB Trainer", "coordinator"),
    ("reviewer@demo.coursebook.test", "Ravi Reviewer", "Chair, Learning and Development Subgroup",
     "Imperial College Healthcare NHS Trust", "reviewer"),
]  # fmt: skip

# How full an upcoming session is.
EMPTY, SOME, NEARLY_FULL, FULL = "empty", "some", "nearly full", "full"
WAITING_LIST_LENGTH = 4

# The programme from today on, one session of every course (and a second Level 3):
# course code, trainer agency, working days from today (0: today), how full.
UPCOMING_SESSIONS = [
    ("MASCP-L3", "LSCB Trainer", 0, NEARLY_FULL),
    ("MASCP-R3", "LSCB Trainer", 2, NEARLY_FULL),
    ("SG-DA", "Standing Together", 5, FULL),
    ("INTRO-SG", "LSCB Trainer", 8, SOME),
    ("CSE-TRAUMA", "WAGN", 10, SOME),
    ("MARAC", "Standing Together", 12, NEARLY_FULL),
    ("SAFER-REC", "Tri-Borough", 15, SOME),
    ("ONLINE", "LSCB Trainer", 18, EMPTY),
    ("LADO", "Tri-Borough", 20, SOME),
    ("SG-NEGLECT", "External Trainer", 22, EMPTY),
    ("GANGS", "LBHF", 25, SOME),
    ("EHP-RBKC", "IKWRO", 28, EMPTY),
    ("CP-CONF", "RBKC", 30, NEARLY_FULL),
    ("MISSING", "Tri-Borough", 33, SOME),
    ("PRIV-FOST", "Tri-Borough", 36, EMPTY),
    ("YOUNG-CARERS", "Tri-Borough", 39, SOME),
    ("PSM", "Turning Point", 42, EMPTY),
    ("SAFER-REC-R", "LSCB Trainer", 45, SOME),
    ("SG-SUPERVISION", "Standing Together", 50, EMPTY),
    ("EHP", "Tri-Borough", 55, SOME),
    ("MASCP-L3", "Health", 60, SOME),
]
ONLINE_COURSES = {"ONLINE": "https://meet.example.org/lscb-online-safety"}

# The demo delegate's places on the programme from today on, by course code: one inside
# the notice period (cancelling it now is late), one further off (free to cancel or hand
# on), one on the full session's waiting list, one handed to a colleague, one cancelled.
CONFIRMED, WAITING, HANDED_ON, CANCELLED = "confirmed", "waiting", "handed on", "cancelled"
DEMO_DELEGATE_UPCOMING = {
    "MASCP-R3": CONFIRMED,
    "CSE-TRAUMA": CONFIRMED,
    "SG-DA": WAITING,
    "MARAC": HANDED_ON,
    "GANGS": CANCELLED,
}
DEMO_DELEGATE_WAITING_POSITION = 3

CANCEL_REASONS = [
    "Staff shortage on the day",
    "Clash with a child protection conference",
    "Booked the wrong date",
    "",
]

# Someone who registered with an organisation Coursebook does not list yet: name, email,
# job title, and the organisation as they described it (name, sector, borough).
ORGANISATION_REQUEST = (
    "Kofi Mensah",
    "kofi.mensah@demo.coursebook.test",
    "Family Support Worker",
    ("Riverside Family Hub", Sector.EARLY_YEARS, HF),
)

# An email the mail server refused, for the coordinators' "Emails not sent".
FAILED_EMAIL_ERROR = "(550, b'5.1.1 Mailbox unavailable: no such user')"
