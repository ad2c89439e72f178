"""Who holds a delivery while it is sent, for how long, and whether that holder is gone.

A claim records its holder as "node|boot|pid":
- node: the Celery node name (celery@host) in a worker, the host name elsewhere;
- boot: a token drawn once per worker start (its pool processes inherit it);
- pid: the process that makes the network call.

The holder keeps a short lease (PUBLISHING_CLAIM_LEASE_SECONDS) and renews it
from a background thread while it works, so a killed process stops renewing and
its rows are reconciled within one lease, whatever killed it. Faster still:
- a worker that starts under a node name releases the claims of that node's
  earlier boot at once (a node name runs once at a time, as Celery requires);
- a sweeper in the same worker boot sees a sibling process that died (its pid
  is gone) and releases its claims at once.
A holder that is alive but cannot renew (its database is unreachable for a
whole lease) loses the claim: its late outcome is then discarded (claimed_at is
the fencing token), and the reconcile decides.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger("publishing.claims")

_identity = {"node": socket.gethostname(), "boot": uuid.uuid4().hex[:12], "worker": False}


def worker_started(*, node: str) -> None:
    """Called in a Celery worker's main process before its pool starts (the
    pool processes inherit the identity)."""
    _identity.update(node=node, boot=uuid.uuid4().hex[:12], worker=True)


def holder() -> str:
    """This process, as recorded in Delivery.claimed_by."""
    return f"{_identity['node']}|{_identity['boot']}|{os.getpid()}"


def this_node() -> str:
    return _identity["node"]


def this_boot() -> str:
    return _identity["boot"]


def _parse(claimed_by: str) -> tuple[str, str, int | None]:
    node, _, rest = (claimed_by or "").partition("|")
    boot, _, pid = rest.partition("|")
    return node, boot, int(pid) if pid.isdigit() else None


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_is_gone(claimed_by: str) -> bool:
    """True only when this process can be sure the holder no longer runs:
    it belonged to an earlier boot of this worker node, or to this boot and
    its process has exited. Anything else (another node, an unknown format)
    is left to the lease."""
    node, boot, pid = _parse(claimed_by)
    if not _identity["worker"] or node != _identity["node"] or pid is None:
        return False
    if boot != _identity["boot"]:
        return True
    return pid != os.getpid() and not _process_exists(pid)


def lease_seconds() -> float:
    return float(settings.PUBLISHING_CLAIM_LEASE_SECONDS)


def lease_until(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=lease_seconds())


@contextmanager
def lease_kept(*, delivery_id: int, token: dt.datetime):
    """Renew the lease of the claim `token` on the delivery every quarter
    lease while the block runs (network calls included). The renewal runs
    in its own thread with its own database connection; it stops when the
    block ends or when the claim is no longer ours."""
    from publishing.models import Delivery

    done = threading.Event()

    def renew():
        try:
            while not done.wait(lease_seconds() / 4):
                try:
                    kept = Delivery.objects.filter(
                        pk=delivery_id, status=Delivery.Status.SENDING, claimed_at=token
                    ).update(lease_expires_at=lease_until(timezone.now()))
                except Exception:
                    # Try again next time; the lease outlasts three misses.
                    logger.warning("Could not renew the claim on delivery %s", delivery_id, exc_info=True)
                    continue
                if not kept:
                    return
        finally:
            connection.close()

    thread = threading.Thread(target=renew, name=f"lease-{delivery_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)
