"""The rejection message follows Zeebe's deployment rejection wording."""

from __future__ import annotations

from engine.bpmn import BpmnValidationError, Problem, deployment_rejection
from tests.unit.engine.bpmn.bpmn_xml import process, rejection


def test_rejection_names_the_resource_and_the_element_like_zeebe() -> None:
    text = rejection(process('<bpmn:serviceTask id="ServiceTask_1" />'), "checkout.bpmn")

    assert text == (
        "Expected to deploy new resources, but encountered the following errors:\n"
        "'checkout.bpmn': - Element: ServiceTask_1\n"
        "    - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element\n"
    )


def test_problems_of_one_element_are_grouped_under_it() -> None:
    error = BpmnValidationError(
        "a.bpmn", [Problem("X", "first"), Problem("Y", "other"), Problem("X", "second")]
    )

    assert str(error).endswith(
        "'a.bpmn': - Element: X\n    - ERROR: first\n    - ERROR: second\n- Element: Y\n    - ERROR: other\n"
    )


def test_elements_are_reported_in_document_order() -> None:
    text = rejection(process('<bpmn:serviceTask id="b" />', '<bpmn:serviceTask id="a" />'))

    assert text.index("Element: b") < text.index("Element: a")


def test_resource_level_problem_has_no_element() -> None:
    error = BpmnValidationError(
        "a.bpmn", [Problem(None, "not well-formed (invalid token): line 1, column 1")]
    )

    assert str(error) == (
        "Expected to deploy new resources, but encountered the following errors:\n"
        "'a.bpmn': not well-formed (invalid token): line 1, column 1"
    )


def test_validation_error_is_a_value_error() -> None:
    assert issubclass(BpmnValidationError, ValueError)


def test_rejection_of_several_resources_joins_them() -> None:
    first = BpmnValidationError("a.bpmn", [Problem("X", "bad")])
    second = BpmnValidationError("b.bpmn", [Problem(None, "broken")])

    assert deployment_rejection([first, second]) == (
        "Expected to deploy new resources, but encountered the following errors:\n"
        "'a.bpmn': - Element: X\n    - ERROR: bad\n\n"
        "'b.bpmn': broken"
    )
