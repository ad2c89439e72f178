"""Signals publishing sends, so the apps that queue replies hear what became
of them without publishing importing those apps (the flow stays one way).

delivery_sent(sender=Delivery, delivery=<Delivery>, remote=<Remote>): a reply
or like was recorded as sent (by its sender or by a reconcile that found it),
once per row, after the row was updated. Receivers must not raise; they run in
the worker that recorded it.
"""

from django.dispatch import Signal

delivery_sent = Signal()
