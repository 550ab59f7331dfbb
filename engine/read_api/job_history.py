"""The jobs of an instance's element and what happened to each (the monitor's "job history").

Operate shows this per element; its v1 API has no endpoint for it, so the monitor's
``/monitor/api/instances/{key}/jobs`` answers from the store's append-only ``job_events`` table
(indexed by instance and element).
"""

from __future__ import annotations

from typing import Any

from engine.read_api.database import ReadDatabase
from engine.read_api.dates import format_date

_COLUMNS = "job_key, element_instance_key, element_id, type, event, time, worker, retries, message"


def element_jobs(
    database: ReadDatabase, instance_key: int, element_id: str | None
) -> list[dict[str, Any]] | None:
    """The jobs of ``element_id`` (every element when ``None``) in creation order, each with its events
    in the order they happened and its latest state; ``None`` if there is no such instance."""
    with database.snapshot() as db:
        if db.execute("SELECT 1 FROM process_instances WHERE key = ?", (instance_key,)).fetchone() is None:
            return None
        if element_id is None:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM job_events WHERE process_instance_key = ? ORDER BY rowid",
                (instance_key,),
            ).fetchall()
        else:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM job_events WHERE process_instance_key = ? AND element_id = ? "
                "ORDER BY rowid",
                (instance_key, element_id),
            ).fetchall()
    jobs: dict[int, dict[str, Any]] = {}
    for job_key, element_instance_key, element, job_type, event, time, worker, retries, message in rows:
        job = jobs.setdefault(
            job_key,
            {
                "key": job_key,
                "type": job_type,
                "elementId": element,
                "elementInstanceKey": element_instance_key,
                "events": [],
            },
        )
        job["events"].append(
            {
                "event": event,
                "time": format_date(time),
                "worker": worker or None,
                "retries": retries,
                "message": message or None,
            }
        )
        job["state"] = event
        job["retries"] = retries
    return list(jobs.values())
