"""libslirp's socket buffers come from the simulator's pool (host-sim/slirp_buffer_pool.h),
not from a fresh mmap and munmap per connection, and blocks that connections hand back
and others reuse still carry every byte: the box's probes and the web UI's forwarded
connections alike."""
import json
import os
import sys
import unittest

from simtest import HOST, Listener, http_get, run_once, running_sim, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from sim_figures import sim_figures  # noqa: E402

POOL_BLOCKS = 64  # SlirpBufferPool::kMaxBlocks


def tcp_checks(port, n):
    return [{"id": f"p{i}", "type": "tcp", "host": HOST, "port": port} for i in range(n)]


class SlirpBuffers(unittest.TestCase):
    def setUp(self):
        self.listener = Listener()

    def tearDown(self):
        self.listener.close()

    def test_every_forwarded_connection_takes_its_two_buffers_from_the_pool(self):
        checks = 20  # all in flight at once: 40 buffers, within the pool's 64 blocks
        code, out, err = run_once({"schema": 1, "checks": tcp_checks(self.listener.port, checks)})
        self.assertEqual(code, 0, err)
        self.assertTrue(all(c["status"] == "ok" for c in out["checks"]), out["checks"])
        figures = sim_figures(err)
        self.assertIn("slirp_buffers_pooled", figures, err)
        # Two buffers (send and receive) per connection libslirp forwarded to the host.
        self.assertEqual(figures["slirp_buffers_pooled"], 2 * checks, err)
        self.assertLessEqual(figures["slirp_buffers_pooled_peak"], 2 * checks, err)

    def test_past_the_pools_blocks_buffers_come_from_glibc_and_every_check_still_runs(self):
        checks = 60  # 120 buffers, nearly all at once: the pool's 64 fill, glibc serves the rest
        code, out, err = run_once({"schema": 1, "checks": tcp_checks(self.listener.port, checks)})
        self.assertEqual(code, 0, err)
        self.assertTrue(all(c["status"] == "ok" for c in out["checks"]), out["checks"])
        figures = sim_figures(err)
        self.assertEqual(figures["slirp_buffers_pooled_peak"], POOL_BLOCKS, err)
        self.assertGreaterEqual(figures["slirp_buffers_pooled"], POOL_BLOCKS, err)
        self.assertLess(figures["slirp_buffers_pooled"], 2 * checks, "no buffer came from glibc: " + err)

    def test_reused_blocks_carry_the_web_uis_answers_and_the_probes_whole(self):
        doc = {"schema": 1, "defaults": {"interval_s": 1, "timeout_ms": 1000},
               "checks": tcp_checks(self.listener.port, 6)}
        with running_sim(doc) as (proc, port):
            def every_check_ok():
                status = json.loads(http_get(port, "/api/status")[2])["checks"]
                return len(status) == 6 and all(c["status"] == "ok" for c in status)
            self.assertTrue(wait_for(every_check_ok, 30), "the checks never all passed")
            page = http_get(port, "/")[2]
            self.assertGreater(len(page), 1000)
            accepted = self.listener.accepted
            for _ in range(20):  # each request and each cycle's probes on blocks given back before
                self.assertEqual(http_get(port, "/")[2], page)
                self.assertTrue(every_check_ok())
            self.assertTrue(wait_for(lambda: self.listener.accepted >= accepted + 12, 10),
                            "the probes stopped reaching the listener")
            self.assertIsNone(proc.poll())


if __name__ == "__main__":
    unittest.main()
