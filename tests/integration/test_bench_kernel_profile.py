"""The bench's kernel-side attribution (tests/bench/kernel_profile.py) gives each perf
sample the cause an engineer reading the stack would: the system call it entered by,
the scheduler for a wake-up, a fault for a first touch, the binary for user code."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
import kernel_profile as kp  # noqa: E402

K = "[kernel.kallsyms]"
LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"
SIM = "/work/build/sim-release/host-sim/probebox-sim"

# The shape `perf script -F comm,tid,period,ip,sym,dso` prints, from a real run.
SCRIPT = f"""probebox-sim 17035      50000
\tffffffff8225f759 pvm_irq_enable ({K})
\tffffffff8225f681 __raw_callee_save_pvm_irq_enable ({K})
\tffffffff81000001 smp_call_function_many_cond ({K})
\tffffffff81000002 flush_tlb_mm_range ({K})
\tffffffff81000003 __x64_sys_munmap ({K})
\tffffffff8225a101 do_syscall_64 ({K})
\t          108ef3 __munmap ({LIBC})

probebox-sim 17035      50000
\t           2e5e7 mbedtls_mpi_core_mla+0x1a ({SIM})
\t     10100010001 [unknown] ([unknown])

probebox-sim 17035      100000
\tffffffff81000010 tcp_v4_connect ({K})
\tffffffff81000011 __x64_sys_connect ({K})
\tffffffff8225a101 do_syscall_64 ({K})
\t           41234 __libc_connect ({LIBC})
"""


class CauseTest(unittest.TestCase):
    def test_a_script_parses_into_samples_with_their_periods(self):
        samples = kp.parse_script(SCRIPT)
        self.assertEqual([p for p, _ in samples], [50000, 50000, 100000])
        self.assertEqual(samples[1][1][0], ("mbedtls_mpi_core_mla", SIM))

    def test_shares_weigh_by_period_and_count_the_hypervisor_apart(self):
        by, hyper = kp.shares(kp.parse_script(SCRIPT))
        self.assertAlmostEqual(by[kp.MEMORY], 25.0)
        self.assertAlmostEqual(by[kp.USER_SIM], 25.0)
        self.assertAlmostEqual(by[kp.SOCKETS], 50.0)
        self.assertAlmostEqual(sum(by.values()), 100.0)
        self.assertAlmostEqual(hyper, 25.0)

    def test_the_system_call_decides_a_kernel_sample(self):
        self.assertEqual(kp.cause([("tcp_sendmsg", K), ("__x64_sys_sendto", K)]), kp.SOCKETS)
        self.assertEqual(kp.cause([("do_mmap", K), ("__x64_sys_mmap", K)]), kp.MEMORY)
        self.assertEqual(kp.cause([("ep_poll", K), ("__x64_sys_epoll_wait", K)]), kp.SLEEP)
        self.assertEqual(kp.cause([("x", K), ("__x64_sys_getrandom", K)]), kp.OTHER_SYSCALL)

    def test_the_scheduler_is_a_wake_up_whatever_the_call(self):
        frames = [("pvm_irq_enable", K), ("finish_task_switch.isra.0", K), ("__schedule", K),
                  ("exit_to_user_mode_loop", K), ("do_syscall_64", K), ("__libc_connect", LIBC)]
        self.assertEqual(kp.cause(frames), kp.SLEEP)
        self.assertTrue(kp.in_hypervisor(frames))

    def test_a_page_fault_is_memory(self):
        self.assertEqual(kp.cause([("clear_page", K), ("handle_mm_fault", K), ("exc_page_fault", K),
                                   ("sysmalloc_mmap.constprop.0", LIBC)]), kp.MEMORY)

    def test_entry_and_exit_count_for_the_callers_system_call(self):
        self.assertEqual(kp.cause([("do_syscall_64", K), ("entry_SYSCALL_64_after_hwframe", K),
                                   ("epoll_ctl", LIBC)]), kp.SLEEP)
        self.assertEqual(kp.cause([("do_syscall_64", K), ("__send", LIBC)]), kp.SOCKETS)

    def test_a_user_sample_in_a_wrapper_counts_for_its_call(self):
        self.assertEqual(kp.cause([("__munmap", LIBC)]), kp.MEMORY)
        self.assertEqual(kp.cause([("__fcntl64_nocancel_adjusted", LIBC)]), kp.SOCKETS)
        self.assertEqual(kp.cause([("munmap_chunk", LIBC)]), kp.MEMORY)

    def test_user_code_goes_to_its_object(self):
        self.assertEqual(kp.cause([("slirp_input", "/usr/lib/x86_64-linux-gnu/libslirp.so.0.4.0")]), kp.USER_SLIRP)
        self.assertEqual(kp.cause([("__memmove_avx512_unaligned_erms", LIBC)]), kp.USER_LIBC)
        self.assertEqual(kp.cause([("probebox::App::step", SIM)]), kp.USER_SIM)

    def test_an_interrupt_without_a_system_call_is_its_own_cause(self):
        self.assertEqual(kp.cause([("hrtimer_interrupt", K), ("asm_sysvec_apic_timer_interrupt", K),
                                   ("probebox::App::step", SIM)]), kp.INTERRUPT)


# The shape `perf sched timehist --pid PID --state` prints, from a real run: a pass
# between cycles, then three of a cycle's exchanges, one of them preempted.
TIMEHIST = """           time    cpu  task name                       wait time  sch delay   run time  state
                        [tid/pid]                          (msec)     (msec)     (msec)
--------------- ------  ------------------------------  ---------  ---------  ---------  -----
   25085.680098 [0000]  probebox-sim[23514]               500.567      0.025      0.053      S
   25085.932773 [0000]  probebox-sim[23514]               252.326      0.032      0.348      S
   25085.934054 [0001]  probebox-sim[23514]                 1.167      0.021      0.112      R
   25085.934223 [0000]  probebox-sim[23514]                 0.071      0.000      0.098      S
   25085.934610 [0000]  probebox-sim[23514]                 0.294      0.210      0.091      S
   25086.432415 [0000]  probebox-sim[23514]               489.573      0.026      0.049      S
"""


class PassesTest(unittest.TestCase):
    def test_timehist_lines_parse_into_passes(self):
        passes = kp.parse_timehist(TIMEHIST)
        self.assertEqual(len(passes), 6)
        self.assertEqual(passes[2], (25085.934054, 1.167, 0.112, "R"))

    def test_passes_split_into_exchanges_and_timer_wake_ups(self):
        # The first pass is dropped (its sleep began before the window); two cycles.
        # The preempted pass and its resumption are one pass: 0.112 + 0.098 ms.
        f = kp.pass_figures(kp.parse_timehist(TIMEHIST), 2)
        self.assertAlmostEqual(f["passes_per_cycle"], 2.0)
        self.assertAlmostEqual(f["exchange_passes_per_cycle"], 1.0)
        self.assertAlmostEqual(f["exchange_run_ms_per_cycle"], (0.112 + 0.098 + 0.091) / 2)
        self.assertAlmostEqual(f["exchange_run_ms_median"], 0.210)
        self.assertAlmostEqual(f["exchange_wait_ms_median"], 1.167)
        self.assertAlmostEqual(f["timer_passes_per_cycle"], 1.0)
        self.assertAlmostEqual(f["timer_run_ms_median"], 0.348)
        self.assertAlmostEqual(f["preempted_per_cycle"], 0.5)

    def test_no_pass_gives_no_median(self):
        f = kp.pass_figures([], 1)
        self.assertIsNone(f["exchange_run_ms_median"])
        self.assertEqual(f["passes_per_cycle"], 0)


# The same shape with `time` among the fields, as kernel_profile.record asks for it.
TIMED_SCRIPT = f"""probebox-sim 17035 56566.677962:      50000
\t           2e5e7 mbedtls_mpi_core_mla+0x1a ({SIM})

probebox-sim 17035 56567.179027:     100000
\tffffffff81000010 tcp_v4_connect ({K})
\tffffffff81000011 __x64_sys_connect ({K})
"""


class CycleSplitTest(unittest.TestCase):
    def test_a_timed_script_keeps_each_samples_time_and_period(self):
        timed = kp.parse_timed(TIMED_SCRIPT)
        self.assertEqual([(t, p) for t, p, _ in timed], [(56566.677962, 50000), (56567.179027, 100000)])
        self.assertEqual(timed[1][2][1], ("__x64_sys_connect", K))
        self.assertEqual(kp.parse_script(TIMED_SCRIPT), [(p, f) for _, p, f in timed])

    def test_an_untimed_script_has_no_time(self):
        self.assertEqual({t for t, _, _ in kp.parse_timed(SCRIPT)}, {None})

    def test_the_cycles_burst_is_told_from_the_passes_between_cycles(self):
        user, kernel = [("probebox::App::step", SIM)], [("tcp_v4_connect", K), ("__x64_sys_connect", K)]
        timed = []
        for cycle in range(3):
            start = 1000.0 + 10 * cycle
            # The cycle: 40 samples within 12 ms, 5.2 s into each 10 s interval...
            timed += [(start + 5.2 + k * 0.0003, 100, kernel) for k in range(40)]
            # ...and the loop between cycles: one sample a pass, twice a second.
            timed += [(start + 0.5 * k + 0.01, 100, user) for k in range(20)]
        cycle, between = kp.split_cycle(timed, 10)
        self.assertEqual(len(cycle), 120)
        self.assertEqual(len(between), 60)
        self.assertTrue(all(f == kernel for _, f in cycle))
        self.assertTrue(all(f == user for _, f in between))

    def test_samples_without_time_are_never_the_cycles(self):
        cycle, between = kp.split_cycle([(None, 1, [])] * 3, 10)
        self.assertEqual((cycle, len(between)), ([], 3))


if __name__ == "__main__":
    unittest.main()
