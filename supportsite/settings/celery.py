"""Celery: the broker, how workers take tasks, and the queues. Each area's
module adds its own periodic tasks to CELERY_BEAT_SCHEDULE."""

from kombu import Queue

from supportsite.settings.core import DJANGO_ENV, TIME_ZONE, VAR_DIR, env

# --- Broker ---------------------------------------------------------------------------------------
# The filesystem transport needs no server: `make run` uses it. Production uses Redis.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL",
    # Tests get an in-process broker: a task a test enqueues must never land in
    # the queue a `make run` worker reads.
    default="memory://" if DJANGO_ENV == "test" else "filesystem://",
)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables; the transport would otherwise write ./control.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Must be longer than any countdown or ETA the tasks use (they use at most a
    # few minutes; long waits go through Delivery.scheduled_for and the sweeper).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A broker that does not answer at all must not hold a staff request
        # for long (publishing.sending enqueues with no reconnect retries).
        "socket_connect_timeout": 2,
    }
# Prepended to every key the broker keeps in Redis (queues, exchange bindings,
# unacknowledged messages), so that two sites, or a staging and a production
# site, can share one Redis database without taking each other's tasks. The
# end-to-end tests give each stack of processes its own (tests/publishing/e2e_stack.py).
CELERY_BROKER_KEY_PREFIX = env.str("CELERY_BROKER_KEY_PREFIX", default="")
if CELERY_BROKER_KEY_PREFIX and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = CELERY_BROKER_KEY_PREFIX

# --- Workers --------------------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic tasks: filled by the modules imported after this one (publishing, qa,
# conversations, metrics, audits), each with its own tasks, in that order.
CELERY_BEAT_SCHEDULE = {}

# --- Queues ---------------------------------------------------------------------------------------
# The sweeper and reconciles have a queue of their own, which every worker
# consumes beside the default one: behind a backlog of hundreds of sends they
# would wait (and the sweep would expire), while they are what recovers rows
# whose messages were lost with a killed worker or a broker outage.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("publishing-control", routing_key="publishing-control"),
)
CELERY_TASK_ROUTES = {
    "publishing.sweep_deliveries": {"queue": "publishing-control"},
    "publishing.reconcile_delivery": {"queue": "publishing-control"},
    # Not behind a long import in the default queue either (the sweep finds dead ones).
    "qa.sweep_import_jobs": {"queue": "publishing-control"},
}
