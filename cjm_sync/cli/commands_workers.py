"""Commands of a worker fleet on the PostgreSQL task queue: worker, enqueue, jobs (docs/deployment.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.cli.jobs import STATE_URL_ENV
from cjm_sync.cli.tables import table
from cjm_sync.config import CONFIG_FILENAME, Config
from cjm_sync.errors import ConfigError, UsageError


def _fleet(app: AppContext) -> tuple[Config, Path, str]:
    """The config, its path and the PostgreSQL state URL every worker shares."""
    config = app.config()
    if config is None:
        raise UsageError(
            "workers need a config file listing the journeys",
            hint=f"write {CONFIG_FILENAME} (see README, Configuration) or pass --config FILE",
        )
    path = app.config_path or Path(os.environ.get("CJM_SYNC_CONFIG") or CONFIG_FILENAME)
    url = os.environ.get(STATE_URL_ENV, "").strip() or config.state.url or ""
    try:
        from cjm_sync.workers.queue import require_postgres  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        raise ConfigError("workers need procrastinate and psycopg", hint="pip install 'cjm-sync[postgres]'") from exc
    require_postgres(url)
    return config, path, url


@click.command("worker")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64), help="Jobs run at once.")
@click.option("--until-empty", is_flag=True, help="Exit once the queue is drained (no schedules).")
@click.option("--sandbox", is_flag=True, help="Sync against the built-in sandboxes (as sync --sandbox).")
@click.option("--git", "use_git", is_flag=True, help="Pull before and commit/push after each sync (config's repo).")
@click.option("--attempts", default=5, show_default=True, type=click.IntRange(1, 50), help="Tries per job.")
@click.option(
    "--stalled-after",
    default=30.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds without a heartbeat before a worker's jobs go to others.",
)
@pass_app
def worker_cmd(
    app: AppContext,
    /,
    concurrency: int,
    until_empty: bool,
    sandbox: bool,
    use_git: bool,
    attempts: int,
    stalled_after: float,
) -> None:
    """Run sync jobs from the shared queue and defer each journey's scheduled runs (needs PostgreSQL state)."""
    from cjm_sync.workers.queue import run  # noqa: PLC0415 - optional extra
    from cjm_sync.workers.worker import WorkerSettings, run_worker  # noqa: PLC0415

    config, path, url = _fleet(app)
    if use_git and not (config.base_dir / ".git").exists():
        raise UsageError(f"--git: {config.base_dir.resolve()} is not the root of a git checkout")
    settings = WorkerSettings(
        concurrency=1 if use_git else concurrency,
        until_empty=until_empty,
        sandbox=sandbox,
        attempts=attempts,
        stalled_after=stalled_after,
        stalled_check=max(1.0, stalled_after / 3),
        heartbeat=max(0.5, stalled_after / 6),
        git=use_git,
    )
    scheduled = sum(1 for j in config.journeys if j.schedule)
    from cjm_sync.state.postgres_store import safe_location  # noqa: PLC0415 - optional extra

    app.info(
        f"worker: {settings.concurrency} at once, {scheduled} scheduled journey(s) from {path}, "
        f"queue in {safe_location(url)}"
    )
    run(run_worker(url, config, path, settings))


@click.command("enqueue")
@click.option("--journey", type=click.Path(path_type=Path, dir_okay=False), help="Only this journey file.")
@click.option("--all", "all_journeys", is_flag=True, help="Every journey in the config.")
@pass_app
def enqueue_cmd(app: AppContext, /, journey: Path | None, all_journeys: bool) -> None:
    """Queue a sync of one journey (or all) for the workers to run now."""
    from cjm_sync.workers.queue import enqueue, ensure_schema, make_app, run  # noqa: PLC0415
    from cjm_sync.workers.worker import journey_key  # noqa: PLC0415

    if journey is None and not all_journeys:
        raise UsageError("pass --journey FILE or --all")
    config, _, url = _fleet(app)
    known = {journey_key(config, j.path) for j in config.journeys}
    if journey is not None:
        key = journey_key(config, journey if journey.is_absolute() else Path.cwd() / journey)
        if key not in known:
            raise UsageError(f"{journey} is not a journey of the config", hint="list it under [[journeys]]")
        keys = [key]
    else:
        keys = sorted(known)
    queue_app = make_app(url)
    run(ensure_schema(queue_app, url))
    done = run(enqueue(queue_app, keys, options={}))
    rows = [{"journey": d.journey, "job_id": d.job_id, "queued": d.job_id is not None} for d in done]
    app.emit(
        {"ok": True, "jobs": rows},
        lambda: "\n".join(
            f"queued {r['journey']} (job {r['job_id']})" if r["queued"] else f"{r['journey']}: already queued"
            for r in rows
        ),
    )


@click.command("jobs")
@click.option("--limit", default=50, show_default=True, help="Newest jobs to show.")
@pass_app
def jobs_cmd(app: AppContext, /, limit: int) -> None:
    """The queue: newest sync jobs with their status (todo, doing, succeeded, failed), attempts and the
    worker running it (the task queue names a worker only while its job is ``doing``)."""
    from cjm_sync.workers.queue import ensure_schema, list_jobs, make_app, run  # noqa: PLC0415

    _, _, url = _fleet(app)
    queue_app = make_app(url)
    run(ensure_schema(queue_app, url))
    found = run(list_jobs(queue_app, limit=limit))
    data: list[dict[str, Any]] = [
        {
            "id": j.id,
            "journey": j.journey,
            "status": j.status,
            "attempts": j.attempts,
            "scheduled_at": j.scheduled_at.isoformat() if j.scheduled_at else None,
            "worker_id": j.worker_id,
        }
        for j in found
    ]
    app.emit(
        {"ok": True, "jobs": data},
        lambda: (
            table(
                "Sync jobs (newest first)",
                ("job", "journey", "status", "attempts", "scheduled", "worker"),
                [
                    (
                        str(j["id"]),
                        j["journey"],
                        j["status"],
                        str(j["attempts"]),
                        j["scheduled_at"] or "",
                        "" if j["worker_id"] is None else str(j["worker_id"]),
                    )
                    for j in data
                ],
            )
            if data
            else "no jobs yet"
        ),
    )
