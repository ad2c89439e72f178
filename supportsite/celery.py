"""The Celery application, configured from Django settings (CELERY_* names).

The worker signals below let publishing recover in seconds from a worker that
died mid-send (publishing.claims explains the claim holder and its lease).
"""

import logging
import os
import threading

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportsite.settings")

app = Celery("supportsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger("publishing.services")


@signals.worker_init.connect
def _worker_identity(sender=None, **kwargs):
    # In the main process, before the pool forks: every pool process records
    # this node name and boot token as the holder of the claims it makes.
    from publishing import claims

    claims.worker_started(node=getattr(sender, "hostname", None) or claims.this_node())


@signals.worker_ready.connect
def _recover_previous_boot(sender=None, **kwargs):
    """This node just started: claims held by its earlier run (killed, or
    stopped mid-send) have no living holder. Reconcile them now, in a thread
    of the main process, rather than waiting for their leases and for the
    queue to reach a task."""
    from django.db import connection

    from publishing import claims, services

    def recover():
        try:
            released = services.deliveries_release_node(node=claims.this_node(), keep_boot=claims.this_boot())
            if released:
                logger.info(
                    "Worker %s started; reconciling %s deliveries of its previous run",
                    claims.this_node(),
                    len(released),
                )
                services.deliveries_recover_now(released)
        except Exception:
            logger.exception("Could not reconcile the previous run's deliveries; the sweeper will")
        finally:
            connection.close()

    threading.Thread(target=recover, name="publishing-recover", daemon=True).start()


@signals.worker_shutdown.connect
def _release_own_claims(sender=None, **kwargs):
    """The pool has stopped: anything this boot still holds (a pool process
    killed mid-send) will never be finished here. Let the next sweeper, on
    any node, reconcile it at once."""
    from django.db import connection

    from publishing import claims, services

    try:
        released = services.deliveries_release_boot(node=claims.this_node(), boot=claims.this_boot())
        if released:
            logger.info("Worker %s stopping; released %s unfinished deliveries", claims.this_node(), len(released))
    except Exception:
        logger.exception("Could not release this worker's claims; their leases will run out")
    finally:
        connection.close()
