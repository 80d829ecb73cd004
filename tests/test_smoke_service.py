def test_fixture_question_is_answered_with_citation(casefile):
    answer = casefile.ask("How long can someone be imprisoned for an unlawful cross-border transfer?")
    assert answer.status == "answered"
    assert any(c.passage.doc_id == "statute-fixture-border-transfer-act" for c in answer.citations)
