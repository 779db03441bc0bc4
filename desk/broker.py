"""kombu's Redis transport, with one of its bugs worked around, so that a worker lives through
Redis going away (`CELERY_BROKER_URL=redis://…` uses it; see desk/jobs.py).

When Redis goes away, the worker's consumer closes its connection, and each channel then puts
the messages it holds unacknowledged back through that connection — already released, so kombu
5.7 raises AttributeError (`'NoneType' object has no attribute 'hostname'`), which Celery calls
an unrecoverable error: the worker, and the outbox relay in it, stopped for good. The same
happens when a task that was running as the connection went finishes after the consumer has
connected again: its acknowledgement goes through the old channel, whose connection is gone.
Here those steps give up instead: the messages stay in Redis's unacked set (Redis hands them
out again after the visibility timeout, if it kept them; every task is idempotent) and the
rescue sweep (desk/rescue.py) finds unfinished work sooner.
"""

from __future__ import annotations

import logging

from kombu.transport import redis, virtual

log = logging.getLogger(__name__)


class QoS(redis.QoS):
    def _closed(self) -> bool:
        """The channel's connection was released: nothing can reach Redis through it."""
        transport = self.channel.connection
        return transport is None or transport.client is None

    def ack(self, delivery_tag):  # type: ignore[no-untyped-def]
        try:
            return super().ack(delivery_tag)
        except AttributeError:
            if not self._closed():
                raise
            log.warning("broker: acknowledgement on a closed channel dropped")
            return virtual.QoS.ack(self, delivery_tag)  # forget it here, touch no connection

    def reject(self, delivery_tag, requeue=False):  # type: ignore[no-untyped-def]
        try:
            return super().reject(delivery_tag, requeue=requeue)
        except AttributeError:
            if not self._closed():
                raise
            log.warning("broker: rejection on a closed channel dropped")
            return virtual.QoS.ack(self, delivery_tag)

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
