"""How fast does the desk read a request?  `.venv/bin/python bench/classify.py`

Prints, for the shipped model (trained on first use and cached, as in production):
  load     seconds to load the model file into a fresh process (imports included), median of 5;
  memory   resident memory the loaded model adds to that process (MB), and apart from it what
           the imports (numpy, the desk package with Flask) add;
  classify median and 95th-percentile time of one request (ms, one core), over the
           evaluation texts, after a warm-up.
Targets: median ≤ 2 ms, load ≤ 1 s, loaded model ≤ 100 MB. Exit status 1 if one is missed.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROBE = """
import os, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
base = rss()
started = time.perf_counter()
from desk.classify.model import ThemeModel
imported = rss()
model = ThemeModel.from_bytes(open(sys.argv[1], "rb").read())
model.predict("Mijn moeder is eenzaam.")
print(time.perf_counter() - started, rss() - imported, imported - base)
"""


def main() -> int:
    os.sched_setaffinity(0, {0})  # one core
    from desk import create_app
    from desk.classify import corpus
    from desk.classify.registry import model_dir, shipped_model

    app = create_app()
    with app.app_context():
        model = shipped_model()
        path = model_dir() / f"shipped-{corpus.digest_of_shipped()}.npz"
    print(f"model {model.version}: {path.stat().st_size / 1e6:.1f} MB on disk")

    loads, memory, imports = [], [], []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout.split()
        loads.append(float(out[0]))
        memory.append(float(out[1]))
        imports.append(float(out[2]))

    texts = [json.loads(line)["text"] for line in corpus.EVALUATION_FILE.read_text().splitlines()
             if line.strip()]
    for text in texts[:50]:
        model.predict(text)
    timings = []
    for text in texts * 3:
        started = time.perf_counter()
        model.predict(text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95)]
    load = statistics.median(loads)
    mb = statistics.median(memory)
    print(f"load      {load:.3f} s (median of 5 fresh processes)")
    print(f"memory    {mb:.1f} MB added by the loaded model; the code it imports (numpy, the "
          f"desk package) adds {statistics.median(imports):.1f} MB more")
    print(f"classify  median {median:.2f} ms, p95 {p95:.2f} ms over {len(timings)} requests "
          f"(one core)")
    checks = [("median ≤ 2 ms", median <= 2), ("load ≤ 1 s", load <= 1),
              ("model ≤ 100 MB", mb <= 100)]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
