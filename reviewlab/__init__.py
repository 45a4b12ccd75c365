"""ReviewLab: read real conversations, tag what hurt the user, decide with evidence."""

__version__ = "0.1.0"
