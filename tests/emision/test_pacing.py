from importer.dominio.reloj import Reloj
from importer.emision.pacing import Pacer


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds

    def reloj(self):
        return Reloj(now=self, sleep=self.sleep)


def test_paces_by_start_time_so_request_duration_counts():
    clock = FakeClock()
    pacer = Pacer(4, reloj=clock.reloj())  # one every 0.25 s
    pacer.wait()
    clock.now += 0.1  # the request took 0.1 s
    pacer.wait()
    assert clock.slept == [0.15]
    clock.now += 0.5  # a slow request: no extra sleep
    pacer.wait()
    assert clock.slept == [0.15]


def test_unlimited_rate_never_sleeps():
    clock = FakeClock()
    pacer = Pacer(None, reloj=clock.reloj())
    for _ in range(5):
        pacer.wait()
    assert clock.slept == []


def test_back_off_pushes_the_next_slot():
    clock = FakeClock()
    pacer = Pacer(10, reloj=clock.reloj())
    pacer.wait()
    pacer.back_off(2.0)
    pacer.wait()
    assert clock.slept == [2.0]


def test_a_clock_set_back_an_hour_does_not_turn_into_an_hour_of_sleep():
    clock = FakeClock()
    pacer = Pacer(4, reloj=clock.reloj())  # one every 0.25 s
    pacer.wait()
    clock.now -= 3600  # NTP or the user set the clock back
    pacer.wait()
    assert clock.slept == [0.25]  # the same spacing as ever, on the new time
