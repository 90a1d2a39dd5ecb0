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


def test_paces_by_start_time_so_request_duration_counts():
    clock = FakeClock()
    pacer = Pacer(4, clock=clock, sleep=clock.sleep)  # one every 0.25 s
    pacer.wait()
    clock.now += 0.1  # the request took 0.1 s
    pacer.wait()
    assert clock.slept == [0.15]
    clock.now += 0.5  # a slow request: no extra sleep
    pacer.wait()
    assert clock.slept == [0.15]


def test_unlimited_rate_never_sleeps():
    clock = FakeClock()
    pacer = Pacer(None, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        pacer.wait()
    assert clock.slept == []


def test_back_off_pushes_the_next_slot():
    clock = FakeClock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    pacer.wait()
    pacer.back_off(2.0)
    pacer.wait()
    assert clock.slept == [2.0]
