"""The Celery app: `celery -A workers worker` and `celery -A workers beat`.

The Flask app is `flask_app`, the Celery app `celery`: `celery -A workers` finds the latter.
"""

from desk import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

from workers import tasks  # noqa: E402,F401  (registers the tasks)
