"""kombu's Redis transport, with one of its bugs worked around, so that a worker lives through
Redis going away (`CELERY_BROKER_URL=redis://…` uses it; see desk/jobs.py).

When Redis goes away, the worker's consumer closes its connection, and each channel then puts
the messages it holds unacknowledged back through that connection — already released, so kombu
5.7 raises AttributeError (`'NoneType' object has no attribute 'hostname'`), which Celery calls
an unrecoverable error: the worker, and the outbox relay in it, stopped for good. Here that
step gives up instead: the messages stay in Redis's unacked set (Redis hands them out again
after the visibility timeout, if it kept them) and the rescue sweep (desk/rescue.py)
finds their work sooner.
"""

from __future__ import annotations

import logging

from kombu.transport import redis

log = logging.getLogger(__name__)


class QoS(redis.QoS):
    def restore_unacked(self, client=None):  # type: ignore[no-untyped-def]
        try:
            return super().restore_unacked(client)
        except AttributeError as error:  # the connection went first
            log.warning("broker: %d unacknowledged message(s) left for redelivery (%s)",
                        len(self._delivered), error)
            self._delivered.clear()
            return None


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
