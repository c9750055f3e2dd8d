"""Between cycles the running simulator sleeps until its next deadline (issue 20: the
idle loop costs nothing between cycles): it wakes for lwIP's own timers and at most
once a second, not at a fixed 20 Hz pace, and a check still starts on time."""
import json
import time
import unittest

from simtest import HOST, Listener, by_id, http_get, running_sim, wait_for, wakeups

# The fixed pace the loop had (50 ms) would wake it 20 times a second.
OLD_PACE_PER_S = 20
# lwIP's cyclic timers (DHCP fine 2/s, ARP, IP reassembly, DNS 1/s each at most)
# plus the box's own once-a-second cap: well under half the old pace.
MAX_WAKEUPS_PER_S = 8


def results(port):
    return by_id(json.loads(http_get(port, "/api/status")[2]))["svc"]["counts"]["ok"]


class IdleLoop(unittest.TestCase):
    def test_sleeps_between_cycles_and_wakes_for_the_next_check(self):
        listener = Listener(max_s=90)
        interval_s = 14
        doc = {"schema": 1, "defaults": {"interval_s": interval_s, "timeout_ms": 2000},
               "checks": [{"id": "svc", "type": "tcp", "host": HOST, "port": listener.port}]}
        try:
            with running_sim(doc) as (proc, port):
                self.assertTrue(wait_for(lambda: results(port) >= 1, 20), "no first result")
                first_at = time.monotonic()
                # The box closed the check's connection and this request's first: its
                # TIME_WAIT (2 x TCP_MSL, 1 s) keeps lwIP's 4 Hz TCP timer going
                # until then. Measure well after it, and before the next check.
                time.sleep(10.5)
                window_s = 3.0
                before = wakeups(proc.pid)
                time.sleep(window_s)
                woke = wakeups(proc.pid) - before
                self.assertLess(time.monotonic() - first_at, interval_s - 0.2, "the window ran into the next check")
                self.assertLessEqual(woke, MAX_WAKEUPS_PER_S * window_s,
                                     f"{woke} wake-ups in {window_s} s with nothing due (the fixed pace "
                                     f"was {OLD_PACE_PER_S * window_s:.0f})")
                # The sleep ends for the next check: it runs one interval after the first.
                self.assertTrue(wait_for(lambda: results(port) >= 2, interval_s), "the second check never ran")
                self.assertLess(time.monotonic() - first_at, interval_s + 1.5, "the second check ran late")
        finally:
            listener.close()

    def test_the_tcp_timer_after_a_cycle_rides_on_the_idle_wake_ups(self):
        """After a cycle, lwIP's 250 ms TCP timer runs while the closed connections sit
        in TIME_WAIT. Nothing else being under way, it waits for the wake-ups the
        loop makes anyway (lwIP's 500 ms DHCP timer) instead of adding four a second."""
        listener = Listener(max_s=60)
        doc = {"schema": 1, "defaults": {"interval_s": 30, "timeout_ms": 2000},
               "checks": [{"id": "svc", "type": "tcp", "host": HOST, "port": listener.port}]}
        try:
            with running_sim(doc) as (proc, port):
                self.assertTrue(wait_for(lambda: results(port) >= 1, 20), "no first result")
                # The check's connection and this status request's are in TIME_WAIT now.
                time.sleep(0.3)
                window_s = 2.0
                before = wakeups(proc.pid)
                time.sleep(window_s)
                woke = wakeups(proc.pid) - before
                # The idle pace is 2 a second; the TCP timer on its own would add 8 here.
                self.assertLessEqual(woke, 3 * window_s, f"{woke} wake-ups in the {window_s} s after a cycle")
        finally:
            listener.close()


if __name__ == "__main__":
    unittest.main()
