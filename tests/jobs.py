"""A pyzeebe ``Job`` as a worker receives it, for tests of what workers build from jobs."""

# No postponed annotations: pyzeebe's Job is a plain dataclass built here.
from typing import Any

from pyzeebe import Job


def job(
    job_type: str = "cart.reserve", *, key: int = 2251799813685300, retries: int = 1, **variables: Any
) -> Job:
    """A job of the checkout diagram with ``retries`` left; ``checkoutId`` is ``chk-1`` unless
    ``variables`` say otherwise."""
    return Job(
        key=key,
        type=job_type,
        process_instance_key=2251799813685251,
        bpmn_process_id="checkout",
        process_definition_version=1,
        process_definition_key=2251799813685250,
        element_id="element",
        element_instance_key=2251799813685301,
        custom_headers={},
        worker="checkout-workers",
        retries=retries,
        deadline=0,
        variables={"checkoutId": "chk-1", **variables},
    )
