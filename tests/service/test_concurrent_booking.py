"""Eight people book the same agent for overlapping visits at the same moment.

Without the lock on the agent's row each transaction checks for overlaps
before any of them has inserted, all see a free slot and the agent ends up
booked eight times over. With it, they queue on the lock: one wins, the
others see its visit and are refused. (With the lock taken out and a short
pause before the insert, all eight were booked.)
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from supportledger.core.errors import ActionRefused
from supportledger.service.actions.visits import do_book_appointment
from supportledger.service.models import Appointment
from tests.cast import SET_UP_AT, at
from tests.service.scene import WEDNESDAY, build_scene, consent

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_bookings_of_one_agent_leave_exactly_one_visit():
    scene = build_scene()
    consents = [consent(scene.petya, scene.request) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def book(index):
        try:
            barrier.wait()
            start = at(WEDNESDAY, 7) + timedelta(minutes=10 * index)
            do_book_appointment(
                acting_user=None,
                request=scene.request,
                agent=scene.cast.maria,
                consent=consents[index],
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                city="Sofia",
                now=SET_UP_AT,
            )
            outcomes.append("booked")
        except ActionRefused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["agent_double_booked"] * (THREADS - 1) + ["booked"]
    assert Appointment.objects.filter(agent=scene.cast.maria).count() == 1
