#!/usr/bin/python3
"""bench/compare_runs.py judged on runs made up for it: a run against itself passes, an op that
fell behind its peers fails with that op named, a whole machine twice as slow does not.

  compare_runs_test.py path/to/compare_runs.py
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = sys.argv.pop(1) if len(sys.argv) > 1 else "bench/compare_runs.py"


def row(tool, op, ms, threads=1, per_image=None):
    r = {"tool": tool, "op": op, "threads": threads, "median_ms": ms, "cpu_ms": ms}
    if per_image is not None:
        r["per_image_ms"] = per_image
    return r


def run_of(blur_ms=100.0, sharpen_ms=50.0, peer_scale=1.0, machine=1.0, blur_2t=55.0):
    rows = [
        row("tessera", "blur", blur_ms * machine, 1, blur_ms * machine),
        row("tessera", "blur", blur_ms * machine, 2, blur_2t * machine),
        row("tessera", "sharpen", sharpen_ms * machine),
        row("cv2", "blur", 120 * peer_scale * machine),
        row("pil", "blur", 300 * machine),
        row("cv2", "sharpen", 60 * machine),
    ]
    return "# date x\n" + "\n".join(json.dumps(r) for r in rows) + "\n"


class CompareRuns(unittest.TestCase):
    def compare(self, base, cur, *extra):
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for name, text in (("base", base), ("cur", cur)):
                paths.append(os.path.join(d, name + ".jsonl"))
                with open(paths[-1], "w") as f:
                    f.write(text)
            p = subprocess.run([sys.executable, SCRIPT, *paths, *extra], capture_output=True,
                               text=True)
            return p.returncode, p.stdout, p.stderr

    def test_a_run_against_itself_passes(self):
        code, out, _ = self.compare(run_of(), run_of())
        self.assertEqual(code, 0, out)
        self.assertNotIn("REGRESSED", out)

    def test_an_op_that_fell_behind_its_peer_is_named(self):
        code, out, err = self.compare(run_of(), run_of(blur_ms=130.0))
        self.assertEqual(code, 1, out)
        lines = [l for l in out.splitlines() if "REGRESSED" in l]
        self.assertTrue(lines and all(l.startswith("| blur |") for l in lines), out)
        self.assertIn("blur", err)

    def test_a_slower_machine_is_not_a_regression(self):
        code, out, _ = self.compare(run_of(), run_of(machine=2.0))
        self.assertEqual(code, 0, out)

    def test_lost_scaling_on_two_threads_is_a_regression(self):
        code, out, _ = self.compare(run_of(), run_of(blur_2t=95.0))
        self.assertEqual(code, 1, out)
        self.assertIn("2 threads / 1", [c.strip() for c in out.split("REGRESSED")[0]
                                        .splitlines()[-1].split("|")])

    def test_within_tolerance_passes_and_the_tolerance_is_settable(self):
        self.assertEqual(self.compare(run_of(), run_of(blur_ms=110.0))[0], 0)
        self.assertEqual(self.compare(run_of(), run_of(blur_ms=110.0), "--tolerance", "0.05")[0],
                         1)

    def test_bad_input_is_refused(self):
        code, _, err = self.compare("", run_of())
        self.assertEqual(code, 2)
        self.assertIn("holds no results", err)
        code, _, err = self.compare(run_of(), run_of(), "--tolerance", "15")
        self.assertEqual(code, 2)
        self.assertIn("between 0 and 1", err)


if __name__ == "__main__":
    unittest.main()
