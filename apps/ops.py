"""Operator endpoints: start a rebuild (write API, a command) and read projection status (read API).

They live in the composition layer because they join pieces that the sides may not import from
each other: the projection registry, the job queue and the status keys.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from common.errors import NotFound
from read.deps import AdminReader
from read.stores.ops import projection_statuses
from workers.constants import PROJECT_JOB, REBUILD_JOB
from workers.routing import PROJECTIONS
from write.deps import AdminUser

command_router = APIRouter(prefix="/api/ops", tags=["operations"])
query_router = APIRouter(prefix="/api/ops", tags=["operations"])
ProjectionName = Annotated[str, Path(pattern=r"^[a-z_]{1,40}$")]


@command_router.post("/projections/{name}/rebuild", status_code=202)
async def start_rebuild(name: ProjectionName, _: AdminUser, request: Request,
                        response: Response) -> dict[str, str]:
    """Rebuild a projection (or `all`) in the background without downtime (admins only)."""
    if name != "all" and name not in PROJECTIONS:
        raise NotFound(f"no projection {name!r}; known: {', '.join(sorted(PROJECTIONS))}, all",
                       code="projection_not_found")
    settings = request.app.state.resources.settings
    queue = request.app.state.queue
    job = await queue.enqueue_job(REBUILD_JOB, name, _queue_name=settings.arq_queue_name,
                                  _job_id=f"{REBUILD_JOB}:{name}:{time.time_ns()}")
    response.headers["Location"] = "/api/ops/projections"
    return {"job_id": job.job_id if job else "", "projection": name, "state": "queued"}


@query_router.get("/projections")
async def statuses(_: AdminReader, request: Request) -> list[dict[str, Any]]:
    """Per projection: last applied event, lag, backlog, dead letters, rebuild progress."""
    resources = request.app.state.resources
    found = await projection_statuses(resources.redis, resources.settings.arq_queue_name,
                                      dead_letter_prefix=f"{PROJECT_JOB}:")
    return [asdict(status) for status in found]


