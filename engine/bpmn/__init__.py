"""BPMN 2.0 for the local engine: the process model, and the parser/validator that deploys resources."""

from engine.bpmn.errors import BpmnValidationError, Problem, deployment_rejection
from engine.bpmn.model import Process
from engine.bpmn.parser import parse_resource

__all__ = ["BpmnValidationError", "Problem", "Process", "deployment_rejection", "parse_resource"]
