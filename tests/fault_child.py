"""`reportag` in a child process with the FakeScorer, for faults a test can only make in another process.

The parent sets the fault before exec: a file size limit (RLIMIT_FSIZE; Python ignores
SIGXFSZ, so a write past it fails with EFBIG, as a full disk fails with ENOSPC), or, when
the tests run as root, DAC capabilities dropped so that a chmod'ed folder really refuses.
Usage: python tests/fault_child.py <reportag arguments>; prints `scored N reports` on
stdout at exit, so a test sees whether tagging began. With FAKE_BLOCK_AT=N the Nth report
prints `blocked at report N` and waits, so a test can signal it at a known moment.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import resource
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def limit_file_size(size: int):
    """A preexec_fn: writes past `size` bytes of any file fail with EFBIG."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def drop_root_powers() -> None:
    """A preexec_fn: root keeps its uid but loses the power to ignore file permissions (after exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def main() -> None:
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    from conftest import FakeScorer

    import infer.locate
    import infer.model.scorer

    class Scorer(FakeScorer):
        def score(self, rows, frame):  # with FAKE_BLOCK_AT=N, the Nth report waits for a signal
            if len(self.calls) + 1 == int(os.environ.get("FAKE_BLOCK_AT", "0")):
                print(f"blocked at report {len(self.calls) + 1}", flush=True)
                import time

                time.sleep(600)
            return super().score(rows, frame)

    scorer = Scorer()
    scorer.name = os.environ.get("FAKE_MODEL_VERSION", scorer.name)
    infer.locate.resolve_model = lambda model: Path(model or "fake")
    infer.model.scorer.load_scorer = lambda *args, **kwargs: scorer
    atexit.register(lambda: print(f"scored {len(scorer.calls)} reports", flush=True))
    from train.cli import app

    app(sys.argv[1:], prog_name="reportag")


if __name__ == "__main__":
    main()
