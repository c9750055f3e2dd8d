"""The figures line the simulator (and the target image) print after a --once cycle:
`probebox-sim: cycle checks=18 wall_ms=9.8 max_in_flight=16 ... peak_rss_kib=8200`."""
import re

_PAIR = re.compile(r"(\w+)=(\d+(?:\.\d+)?)\b")


def sim_figures(text):
    """The last figures line in `text` as {name: int or float}; {} when there is none."""
    lines = [line for line in text.splitlines() if "cycle checks=" in line]
    if not lines:
        return {}
    return {k: float(v) if "." in v else int(v) for k, v in _PAIR.findall(lines[-1])}


_WORD_PAIR = re.compile(r"(\w+)=([\w/.]+)")


def longest_step(text):
    """The target image's longest-pass, longest-step and frames lines (the main loop's
    longest pass by phase; the scheduler's longest step and its slowest call; the frames
    the receive interrupt stamped and the longest one waited for the loop) as one
    {name: int or str}; {} when there are none."""
    out = {}
    for marker in ("longest pass loop_us=", "longest step step_us=", "rx stamped="):
        lines = [line for line in text.splitlines() if marker in line]
        if lines:
            out.update({k: int(v) if v.isdigit() else v for k, v in _WORD_PAIR.findall(lines[-1])})
    return out
