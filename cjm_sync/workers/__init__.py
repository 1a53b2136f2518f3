"""Sync jobs on a PostgreSQL task queue (procrastinate): many workers, one shared state store.

* :mod:`.queue` — the procrastinate app on the state database, the ``sync_journey`` task's name,
  deferring and listing jobs;
* :mod:`.runner` — one sync job: the engine run in the worker process on a thread, its outcome
  mapped as ``cjm-sync sync``'s exit codes to done / needs a human / held / retry / give up;
* :mod:`.checkout` — the git pattern: pull before a sync, commit and push after, retrying on a
  non-fast-forward;
* :mod:`.worker` — the worker process: tasks, per-journey schedules, retry of a dead worker's jobs.

See docs/deployment.md for running a fleet.
"""
