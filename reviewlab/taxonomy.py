"""The seeded pain-point taxonomy a team would recognise (name, kind, description, colour)."""

DEFAULT_TAGS: tuple[tuple[str, str, str, str], ...] = (
    ("wrong answer", "pain_point", "The answer is wrong or made up (hallucination).", "#d62728"),
    ("misunderstood intent", "pain_point", "The answer addressed a different question than the one asked.", "#ff7f0e"),
    ("incomplete answer", "pain_point", "Part of the request was left unanswered.", "#e377c2"),
    ("unnecessary refusal", "pain_point", "The assistant refused something it should have done.", "#8c564b"),
    ("too long", "pain_point", "The answer buried what mattered in length.", "#bcbd22"),
    ("user had to rephrase", "pain_point", "The user repeated or reworded the request.", "#9467bd"),
    ("abandoned", "pain_point", "The user gave up before getting what they came for.", "#7f7f7f"),
    ("slow", "pain_point", "The answer took too long.", "#17becf"),
    ("missing capability", "pain_point", "The product cannot do what the user needed.", "#1f77b4"),
    ("formatting", "pain_point", "Layout, markdown or code formatting got in the way.", "#aec7e8"),
    ("tone", "pain_point", "Tone was off: curt, preachy, over-apologetic.", "#ffbb78"),
    ("solved it", "praise", "The assistant solved the user's problem.", "#2ca02c"),
    ("delightful", "praise", "Something the user clearly loved.", "#98df8a"),
)
