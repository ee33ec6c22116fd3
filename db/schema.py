"""Every table of the local store in one metadata: the cases' models and the hall
queue's (tickets, bookings). A new model module is imported here, so that Alembic's
comparison and a new store made from the models (db.store) both see it."""

from __future__ import annotations

from sqlalchemy import MetaData

import db.booking_models  # (appointments, beside the queue)
import db.feedback_models  # (好差评 follow-ups and complaints)
import db.figures_models  # (the cases' figures, summed by triggers)
import db.page_models  # (the page images of a case's materials)
import db.queue_models  # noqa: F401  (the hall queue)
from db.models import Base


def metadata() -> MetaData:
    return Base.metadata
