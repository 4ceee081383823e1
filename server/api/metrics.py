"""Prometheus metrics at /metrics, gathered from the database and counters on each scrape."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

from fallwatch import __version__
from server.api.deps import monitoring_access
from server.context import ServerContext
from server.db.audit import RETENTION_ACTOR, count_actions
from server.db.cameras import list_cameras
from server.db.events import count_by_status

router = APIRouter(dependencies=[Depends(monitoring_access)])


class ServerCollector(Collector):
    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | InfoMetricFamily]:
        ctx = self.ctx
        yield InfoMetricFamily("fallwatch_server", "fallwatch server build", value={"version": __version__})
        for name, value in sorted(ctx.counters().items()):
            base = name.removesuffix("_total")
            yield CounterMetricFamily(f"fallwatch_ingest_{base}", f"ingest counter {name}", value=value)
        with ctx.db.session() as s:
            events = count_by_status(s)
            cams = list_cameras(s, ctx.clock(), ctx.config.cameras)
            deletions = count_actions(s, RETENTION_ACTOR)
        g = GaugeMetricFamily("fallwatch_events", "stored events by review status", labels=["status"])
        for status, n in events.items():
            g.add_metric([status], n)
        yield g
        g = GaugeMetricFamily("fallwatch_cameras", "cameras by heartbeat status", labels=["status"])
        for status in ("online", "stale", "offline"):
            g.add_metric([status], sum(1 for c in cams if c.status == status))
        yield g
        cam = ["camera_id"]
        age = GaugeMetricFamily("fallwatch_camera_heartbeat_age_seconds", "age of the last heartbeat", labels=cam)
        fps = GaugeMetricFamily("fallwatch_camera_fps", "processing frames per second", labels=cam)
        spool = GaugeMetricFamily("fallwatch_camera_spool_depth", "items waiting in the edge spool", labels=cam)
        for c in cams:
            if c.heartbeat_age_s is not None:
                age.add_metric([c.camera_id], c.heartbeat_age_s)
            for family, key in ((fps, "fps_processed"), (spool, "spool_depth")):
                value = c.stat(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    family.add_metric([c.camera_id], float(value))
        yield from (age, fps, spool)
        c = CounterMetricFamily("fallwatch_retention_deletions", "retention deletions", labels=["action"])
        for action, n in sorted(deletions.items()):
            c.add_metric([action], n)
        yield c
        yield GaugeMetricFamily("fallwatch_clip_store_bytes", "bytes in the clip store", value=ctx.clips.used_bytes())
        yield GaugeMetricFamily("fallwatch_clip_store_limit_bytes", "clip store limit", value=ctx.clips.max_bytes)
        free = ctx.clips.disk_free_bytes()
        yield GaugeMetricFamily("fallwatch_disk_free_bytes", "free bytes on the clip store disk", value=free)


def make_registry(ctx: ServerContext) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServerCollector(ctx))
    return registry


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.registry), media_type="text/plain; version=0.0.4; charset=utf-8")
