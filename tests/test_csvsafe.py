import pandas as pd

from reviewlab.csvsafe import safe_cell, safe_frame


def test_formula_cells_are_neutralised_and_others_kept():
    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("plain text") == "plain text"
    assert safe_cell(-2) == -2
    df = safe_frame(pd.DataFrame({"text": ["+cmd", "ok"], "n": [1, 2]}))
    assert df["text"].tolist() == ["'+cmd", "ok"]
    assert df["n"].tolist() == [1, 2]
