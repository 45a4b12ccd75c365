"""Agreement statistics against hand-computed and published values, and the report over real annotations."""

import math

import numpy as np
import pandas as pd
import pytest

from reviewlab.agreement import agreement_report, agreement_tables, cohen_kappa, fleiss_kappa, krippendorff_alpha
from reviewlab.db import session_scope
from reviewlab.store.annotations import ANNOTATION_COLUMNS, JUDGEMENT_COLUMNS, add_annotation, save_judgement
from tests.review_data import seed_workspace, tag_id


def test_cohen_kappa_by_hand():
    # Three items: A says a,a,b; B says a,b,b. p_o = 2/3; p_e = 2/3·1/3 + 1/3·2/3 = 4/9; kappa = (2/9)/(5/9).
    assert cohen_kappa(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx(0.4)
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, kappa 0.4.
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa([1, 0, 1], [1, 0, 1]) == pytest.approx(1.0)
    assert math.isnan(cohen_kappa([1, 1], [1, 1]))  # no variation: undefined
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 0])


def test_fleiss_kappa_published_example():
    # Fleiss (1971) as worked on Wikipedia: 10 items, 14 raters, 5 categories, P̄ = 0.378, P_e = 0.213, κ = 0.210.
    table = np.array([
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ])  # fmt: skip
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)
    with pytest.raises(ValueError):
        fleiss_kappa(np.array([[1, 1], [2, 1]]))


def test_krippendorff_alpha_by_hand_and_published():
    # By hand, units (a,a) (a,b) (b,b): coincidences o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n_a = n_b = 3, n = 6;
    # D_o = 2/6, D_e = 2·3·3 / (6·5) = 0.6, alpha = 1 - (1/3)/0.6 = 4/9.
    assert krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"]]) == pytest.approx(4 / 9)
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units, missing values.
    none = None
    observers = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, none, none, none],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, none, 3],
        [none, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, none],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, none],
    ]
    units = [list(unit) for unit in zip(*observers, strict=True)]
    assert krippendorff_alpha(units, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.849, abs=5e-4)
    assert math.isnan(krippendorff_alpha([[1], [2]]))  # nothing pairable
    with pytest.raises(ValueError):
        krippendorff_alpha([[1, 2]], "ratio-ish")


def _frames(annotations: list[tuple], judgements: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    a = pd.DataFrame([{"conversation_id": c, "member": m, "tag": t} for c, m, t in annotations])
    j = pd.DataFrame(
        [
            {
                "conversation_id": c,
                "member": m,
                "intent": i,
                "intent_fulfilled": f,
                "satisfaction": s,
                "task_completed": None,
            }
            for c, m, i, f, s in judgements
        ]  # fmt: skip
    )
    return a.reindex(columns=ANNOTATION_COLUMNS), j.reindex(columns=JUDGEMENT_COLUMNS)


def test_agreement_tables_two_reviewers():
    annotations, judgements = _frames(
        [("x", "Ada", "slow"), ("y", "Ada", "slow"), ("x", "Bo", "slow")],
        [("x", "Ada", "Get refund", "no", 2), ("x", "Bo", "get  refund", "no", 5), ("y", "Ada", "", None, 4),
         ("y", "Bo", "", None, 5), ("z", "Ada", "book", "yes", 5)],
    )  # fmt: skip
    tables = agreement_tables(annotations, judgements)
    summary = tables["summary"].set_index("field")
    # slow: x both yes, y Ada yes / Bo no → agreement 1/2; kappa = (0.5 - 0.5)/(1 - 0.5) = 0; alpha by hand 0.
    assert summary.loc["slow", "items"] == 2 and summary.loc["slow", "agreement"] == 0.5
    assert summary.loc["slow", "kappa"] == pytest.approx(0) and summary.loc["slow", "kappa_method"] == "Cohen"
    assert summary.loc["slow", "alpha"] == pytest.approx(0)
    assert summary.loc["intent", "items"] == 1 and summary.loc["intent", "agreement"] == 1.0
    assert summary.loc["satisfaction", "agreement"] == 0.0 and summary.loc["satisfaction", "level"] == "ordinal"
    assert "task_completed" not in summary.index  # nobody filled it in
    disagreements = {(r.conversation_id, r.field): r.values for r in tables["disagreements"].itertuples()}
    assert disagreements == {("y", "slow"): "Ada: yes · Bo: no", ("x", "satisfaction"): "Ada: 2 · Bo: 5"}


def test_agreement_tables_three_reviewers_use_fleiss_when_balanced():
    annotations, judgements = _frames(
        [("x", m, "slow") for m in ("Ada", "Bo", "Cy")] + [("y", "Ada", "slow"), ("y", "Bo", "tone")],
        [("y", "Cy", "", None, None)],
    )
    summary = agreement_tables(annotations, judgements)["summary"].set_index("field")
    # slow: x (1,1,1), y (1,0,0) → table [[0,3],[2,1]]: P̄ = (1 + 1/3)/2 = 2/3; shares 2/6, 4/6 → P_e = 5/9;
    # kappa = (2/3 - 5/9)/(4/9) = 0.25.
    assert summary.loc["slow", "kappa_method"] == "Fleiss"
    assert summary.loc["slow", "kappa"] == pytest.approx(0.25)
    assert summary.loc["tone", "raters"] == 3


def test_agreement_report_over_the_database(engine):
    people = seed_workspace(engine)
    with session_scope(engine, write=True) as s:
        slow = tag_id(s, "slow")
        for member in (people["ada"], people["bo"]):
            add_annotation(session=s, conversation_id="c0", tag_id=slow, member_id=member)
        save_judgement(session=s, conversation_id="c1", member_id=people["ada"], task_completed="yes")
        save_judgement(session=s, conversation_id="c1", member_id=people["bo"], task_completed="no")
        add_annotation(session=s, conversation_id="c1", tag_id=slow, member_id=people["bo"])
        add_annotation(session=s, conversation_id="c2", tag_id=slow, member_id=people["bo"])  # one reviewer only
    with session_scope(engine) as s:
        report = agreement_report(session=s, conversation_ids=["c0", "c1", "c2"])
        only_c0 = agreement_report(session=s, conversation_ids=["c0"])
    summary = report["summary"].set_index("field")
    assert summary.loc["slow", "items"] == 2 and summary.loc["slow", "agreement"] == 0.5
    assert set(report["disagreements"]["field"]) == {"slow", "task_completed"}
    assert only_c0["disagreements"].empty and only_c0["summary"].iloc[0]["agreement"] == 1.0
