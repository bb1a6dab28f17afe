#!/usr/bin/env bash
# The scripted comparison for CI: a quick bench of every transport against the native C reference, the full report
# directory, a comparison with the baseline kept in the repository, and the Markdown summary on stdout (and in the
# GitHub Actions job summary when run there).
#
#   scripts/compare.sh [OUTDIR]          default OUTDIR: artifacts/compare
#
# Environment:
#   IPCKIT_BASELINE     the result to compare with (default: bench/baseline.json)
#   IPCKIT_THRESHOLD    how much worse a result may get before the job fails (default: 25%)
#   IPCKIT_BENCH_ARGS   options for `ipckit bench` (default: --pin split; see README, "Pinning matters")
#
# The comparison is of ratios to the reference measured in the same run (README, `ipckit compare`), so a baseline made
# on another machine still compares. To refresh the baseline: scripts/compare.sh, then copy OUTDIR/results.json to
# bench/baseline.json and commit it.
#
# Exit codes: 0 no regression; 5 a result is worse than the threshold (named in the summary); 3 or 4 the bench itself
# failed (a transport failed, or lost or corrupted messages); 6 an output could not be written; 1 anything else.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/compare}"
baseline="${IPCKIT_BASELINE:-$root/bench/baseline.json}"
threshold="${IPCKIT_THRESHOLD:-25%}"
read -r -a bench_args <<< "${IPCKIT_BENCH_ARGS:---pin split}"

rm -rf "$out"
mkdir -p "$out"

echo "== bench: every transport, quick, against the native reference (${bench_args[*]})" >&2
bench_status=0
"$root/ipckit" bench --transport all --quick --reference native "${bench_args[@]}" --output-dir "$out" > "$out/bench.txt" || bench_status=$?
cat "$out/bench.txt" >&2
if [[ ! -f "$out/results.json" ]]; then
    echo "compare.sh: the bench wrote no result (exit $bench_status)." >&2
    exit $(( bench_status == 0 ? 1 : bench_status ))
fi

echo "== compare with $baseline (fail when worse by more than $threshold)" >&2
compare_status=0
if [[ -f "$baseline" ]]; then
    "$root/ipckit" compare "$baseline" "$out/results.json" --fail-on-regression "$threshold" --format markdown > "$out/compare.md" || compare_status=$?
else
    printf '### ipckit compare\n\nNo baseline at %s: nothing to compare with.\n' "$baseline" > "$out/compare.md"
fi

{
    cat "$out/compare.md"
    echo
    cat "$out/report.md"
    echo
    echo "Full report: report.html (self-contained) and the SVG charts in the job's artifacts."
} > "$out/summary.md"
cat "$out/summary.md"
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi

if (( bench_status != 0 )); then
    exit "$bench_status"
fi
exit "$compare_status"
