"""tests/api/run.py — runs every test_* function of tests/api/test_*.py against a running stack.

Prints "ok NAME" or "FAIL NAME: reason" per test and a closing "N passed, N failed".
Usage: run.py [SUBSTRING ...] runs only the tests whose name contains one of the substrings.
"""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    wanted = sys.argv[1:]
    passed = failed = 0
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fname[:-3], os.path.join(HERE, fname))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        tests = [(n, f) for n, f in vars(mod).items() if n.startswith("test_") and callable(f)]
        tests.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
        for name, fn in tests:
            full = "%s.%s" % (fname[:-3], name)
            if wanted and not any(w in full for w in wanted):
                continue
            t0 = time.monotonic()
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - any failure is a failed test
                failed += 1
                print("FAIL %s: %s" % (full, e or type(e).__name__), flush=True)
                traceback.print_exc(limit=3, file=sys.stderr)
                continue
            passed += 1
            print("ok %s (%.0f ms)" % (full, (time.monotonic() - t0) * 1000), flush=True)
    print("api: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
