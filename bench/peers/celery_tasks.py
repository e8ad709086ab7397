"""Celery app for the peer benchmark: one no-op task, run by `celery worker`.

The worker is started by celery_bench.py as
    python3 -m celery -A celery_tasks worker -Q QUEUE -c 4 ...
with CELERY_BROKER_URL and PEERBENCH_TIMES_DIR in its environment. Each pool
process appends "<task id> <start> <end>" (wall-clock seconds) per task to its
own file in PEERBENCH_TIMES_DIR, one write(2) per task, which the driver reads
to count completions and compute latencies. The main process touches
PEERBENCH_TIMES_DIR/ready once it consumes.
"""

import os
import time

from celery import Celery
from celery.signals import worker_process_init, worker_ready

app = Celery("peerbench", broker=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
app.conf.update(
    task_ignore_result=True,  # no result backend: the producer never reads results
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

_times_fd = None


@worker_process_init.connect
def _open_times_file(**_):
    global _times_fd
    path = os.path.join(os.environ["PEERBENCH_TIMES_DIR"], f"times-{os.getpid()}.log")
    _times_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


@worker_ready.connect
def _ready(**_):
    with open(os.path.join(os.environ["PEERBENCH_TIMES_DIR"], "ready"), "w", encoding="ascii"):
        pass


@app.task(bind=True, name="noop")
def noop(self, params):  # pylint: disable=unused-argument
    start = time.time()
    # The no-op job. With acks_late off (Celery's default) the message was
    # acknowledged before the task ran, so the task's end is its completion.
    os.write(_times_fd, f"{self.request.id} {start:.6f} {time.time():.6f}\n".encode())
