"""Run fuzz targets one after another, each for a bounded time in its own process.

    python fuzz/run.py --seconds 600 [TARGET ...]     # all targets when none is named
    python fuzz/run.py --list

Each target starts from seeds its generator makes (into a temporary folder) and the corpus
it grew before (``WORKDIR/corpus/TARGET``). A finding (an exception outside the target's
contract, a crash, a hang over --timeout seconds, memory over --rss-limit-mb) stops
libFuzzer; the input is stored as ``WORKDIR/findings/TARGET/crash-*`` (or ``timeout-*``,
``oom-*``), with its log beside it, and the target is started again until its time is
up. Prints executions, seconds and findings per target; exits 1 when there was a finding.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after the installed zarrlite: only `fuzz` is wanted here

from fuzz.targets import TARGETS  # noqa: E402  (after the path is set)

HARNESS = ROOT / "fuzz" / "harness.py"
#: A target is given up after this many findings in all, or this many of one kind (the same
#: exception or error line: the corpus leads straight back to a finding not fixed yet).
MAX_FINDINGS = 20
MAX_REPEATS = 3


def write_seeds(name: str, folder: Path) -> int:
    """Write the target's seeds into `folder`; returns how many."""
    count = 0
    for count, seed in enumerate(TARGETS[name].seeds(), start=1):
        (folder / f"seed-{count:04d}").write_bytes(seed)
    return count


def run_once(name: str, seconds: int, args: argparse.Namespace, corpus: Path, seeds: Path,
             findings: Path, log: Path) -> tuple[int, Path | None, int]:
    """One libFuzzer process: (executions, the input it stopped on or None, exit status)."""
    command = [sys.executable, str(HARNESS), name, f"-max_total_time={seconds}",
               f"-timeout={args.timeout}", f"-rss_limit_mb={args.rss_limit_mb}",
               f"-max_len={TARGETS[name].max_len}", "-len_control=0", "-print_final_stats=1",
               f"-artifact_prefix={findings}/", str(corpus), str(seeds)]
    with open(log, "w") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                              check=False)
    text = log.read_text(errors="replace")
    executions = sum(int(n) for n in re.findall(r"stat::number_of_executed_units: (\d+)", text))
    if not executions:  # killed before the final stats: the last status line
        counts = re.findall(r"^#(\d+)\s", text, re.M)
        executions = int(counts[-1]) if counts else 0
    written = re.findall(r"Test unit written to (\S+)", text)  # the same input found again
    return executions, Path(written[-1]) if written else None, done.returncode  # keeps its name


def reproduces(name: str, artifact: Path, args: argparse.Namespace) -> bool:
    """Whether the input a run stopped on fails again on its own. A run also stops when the
    fuzzing process as a whole outgrows --rss-limit-mb (atheris' tracing makes it grow,
    slowly, with no input to blame); such stops are restarts, not findings."""
    command = [sys.executable, str(HARNESS), name, f"-timeout={args.timeout}",
               f"-rss_limit_mb={args.rss_limit_mb}", "-runs=1", str(artifact)]
    done = subprocess.run(command, capture_output=True, cwd=ROOT, check=False)
    return done.returncode != 0


def summary_of(log: Path) -> str:
    """The exception (or libFuzzer's error line) that ended a run."""
    text = log.read_text(errors="replace")
    for pattern in (r"^(\w*(?:\.\w+)*(?:Error|Exception|Finding)\b.*)$",
                    r"(ERROR: libFuzzer: .*)", r"(ALARM: .*)"):
        found = re.findall(pattern, text, re.M)
        if found:
            return found[-1][:200]
    return "see the log"


def fuzz_target(name: str, args: argparse.Namespace, workdir: Path) -> tuple[int, float, list]:
    """Fuzz one target for args.seconds: (executions, seconds, [(input, summary)])."""
    corpus, findings = workdir / "corpus" / name, workdir / "findings" / name
    corpus.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    found: list[tuple[Path, str]] = []
    executions, start = 0, time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"seeds-{name}-") as seeds:
        write_seeds(name, Path(seeds))
        while len(found) < MAX_FINDINGS:
            left = int(args.seconds - (time.monotonic() - start))
            if left < 1:
                break
            log = findings / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"
            count, artifact, status = run_once(name, left, args, corpus, Path(seeds), findings,
                                               log)
            executions += count
            if artifact is None and status != 0:  # the harness itself failed: keep its log
                found.append((log, f"the harness exited with status {status}"))
                print(f"  {name}: the harness failed, see {log}", flush=True)
                break
            if artifact is None:
                log.unlink()
                break
            if not artifact.name.startswith("crash-") and not reproduces(name, artifact, args):
                print(f"  {name}: the process stopped on {artifact.name} but that input "
                      "passes alone: restarting", flush=True)
                artifact.unlink()
                log.unlink()
                continue
            summary = summary_of(log)
            log.rename(artifact.with_name(artifact.name + ".log"))
            found.append((artifact, summary))
            print(f"  {name}: finding {artifact.name}: {summary}", flush=True)
            kind = re.sub(r"[\d.]+", "#", summary)  # one kind whatever the sizes it names
            if sum(re.sub(r"[\d.]+", "#", seen) == kind for _, seen in found) >= MAX_REPEATS:
                print(f"  {name}: the same finding {MAX_REPEATS} times: stopping", flush=True)
                break
    return executions, time.monotonic() - start, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="targets to run (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="time per target")
    parser.add_argument("--timeout", type=int, default=10, help="seconds before an input hangs")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "zarrlite-fuzz",
                        help="corpus and findings (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    args = parser.parse_args()
    if args.list:
        for name, target in TARGETS.items():
            print(f"{name:14} {target.about}")
        return 0
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown targets {unknown}; --list shows them")
    total_findings = 0
    for name in args.targets or list(TARGETS):
        executions, seconds, found = fuzz_target(name, args, args.workdir)
        total_findings += len(found)
        print(f"{name}: {executions} executions in {seconds / 60:.1f} min, "
              f"{len(found)} findings", flush=True)
    print(f"corpus and findings in {args.workdir}")
    return 1 if total_findings else 0


if __name__ == "__main__":
    sys.exit(main())
