#!/usr/bin/env bash
# The scripted comparison for CI: a quick bench of every transport against the native C reference, the full report
# directory, a comparison with the baseline kept in the repository (or, with IPCKIT_BASE_REF, with the base commit
# built and measured in the same job), and the Markdown summary on stdout (and in the GitHub Actions job summary when
# run there).
#
#   scripts/compare.sh [OUTDIR]          default OUTDIR: artifacts/compare
#
# Environment:
#   IPCKIT_BASELINE         the result to compare with (default: bench/baseline.json); not used with IPCKIT_BASE_REF
#   IPCKIT_THRESHOLD        how much worse a result may get before the job fails (default: 25%)
#   IPCKIT_BENCH_ARGS       options for `ipckit bench` (default: --pin split; see README, "Pinning matters"). --transport
#                           all, --quick and --reference native are added unless these options say otherwise
#   IPCKIT_BASE_REF         a commit-ish (e.g. origin/main): A/B mode. The base is checked out into a git worktree under
#                           OUTDIR, built there, and measured in IPCKIT_ROUNDS rounds alternating with the head (this
#                           checkout); each side's runs are pooled by `ipckit compare base-1,base-2 head-1,head-2`.
#                           The worktree is removed on every exit path
#   IPCKIT_ROUNDS           rounds of base and head benches in A/B mode (default: 2)
#   IPCKIT_BASE_BENCH_ARGS  options for the base's benches in A/B mode (default: IPCKIT_BENCH_ARGS); different
#                           options on the two sides are for checking that the gate catches a known change
#
# Why A/B: a baseline file was measured on another day under another load. Ratios to the native twin cancel much of
# that, not all: on a shared 2-CPU machine a baseline made while it was quiet failed unchanged code when the run beside
# it was busy. Base and head measured in the same job, in alternating rounds (base, head, head, base, ...), meet the
# same load, and the rounds pooled give each side trials from several minutes.
#
# The comparison is of ratios to the reference measured in the same run (README, `ipckit compare`), so a baseline made
# on another machine still compares. To refresh the baseline: scripts/compare.sh, then copy OUTDIR/results.json to
# bench/baseline.json and commit it.
#
# Exit codes: 0 no regression; 5 a result is worse than the threshold (named in the summary); 3 or 4 the bench itself
# failed (a transport failed, or lost or corrupted messages); 6 an output could not be written; 1 anything else (a
# base that does not resolve or does not build, too).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/compare}"
baseline="${IPCKIT_BASELINE:-$root/bench/baseline.json}"
threshold="${IPCKIT_THRESHOLD:-25%}"
read -r -a bench_args <<< "${IPCKIT_BENCH_ARGS:---pin split}"
base_ref="${IPCKIT_BASE_REF:-}"
rounds="${IPCKIT_ROUNDS:-2}"
read -r -a base_bench_args <<< "${IPCKIT_BASE_BENCH_ARGS:-${IPCKIT_BENCH_ARGS:---pin split}}"

fail() {
    echo "compare.sh: $*" >&2
    exit 1
}

# Everything A/B mode needs is checked before anything is removed, built or measured.
if [[ -n $base_ref ]]; then
    [[ $rounds =~ ^[1-9][0-9]*$ ]] || fail "IPCKIT_ROUNDS must be a whole number of rounds, 1 or more (it is '$rounds')."
    git -C "$root" rev-parse --git-dir > /dev/null 2>&1 || fail "IPCKIT_BASE_REF needs a git checkout, and $root is not one."
    base_sha="$(git -C "$root" rev-parse --verify --quiet "$base_ref^{commit}")" \
        || fail "IPCKIT_BASE_REF=$base_ref does not name a commit in this clone. Fetch it first: a shallow clone (actions/checkout's default) has only the head, e.g. 'git fetch --depth=1 origin $base_ref', or check out with fetch-depth: 0."
    # The pooled files are passed to `ipckit compare` as comma-separated lists.
    [[ $out != *,* ]] || fail "OUTDIR must not contain a comma in A/B mode (it is '$out')."
fi

# OUTDIR is emptied before a run, but only when this script made it (its marker is in it), or when it is the default
# under the build's own artifacts/: a directory of the user's that holds anything else is refused, never deleted.
marker=".ipckit-compare-outdir"
if [[ -e $out || -L $out ]]; then
    [[ -d $out && ! -L $out ]] || fail "OUTDIR $out exists and is not a directory; give a new or empty directory."
    if [[ $out != "$root/artifacts/compare" && -n "$(ls -A "$out")" && ! -f "$out/$marker" ]]; then
        fail "OUTDIR $out is not empty and was not made by compare.sh (it has no $marker); give a new or empty directory, nothing in it was touched."
    fi
fi
rm -rf "$out"
mkdir -p "$out"
touch "$out/$marker"

# `ipckit bench` options take one value and refuse a second, so a default is added only where the arguments give none.
with_defaults() {
    local transport=1 reference=1 quick=1 arg
    for arg in "$@"; do
        case "$arg" in
            -t | --transport | --transport=* | --transport:*) transport=0 ;;
            --reference | --reference=* | --reference:*) reference=0 ;;
            -q | --quick) quick=0 ;;
        esac
    done
    full_args=()
    if ((transport)); then full_args+=(--transport all); fi
    if ((quick)); then full_args+=(--quick); fi
    if ((reference)); then full_args+=(--reference native); fi
    full_args+=("$@")
}

# run_bench DIR LABEL IPCKIT [ARGS...]: one bench into DIR (results.json, report.*), its table in DIR/bench.txt and on
# stderr. Sets bench_status; false when it wrote no result.
run_bench() {
    local dir=$1 label=$2 ipckit=$3
    shift 3
    with_defaults "$@"
    mkdir -p "$dir"
    echo "== bench, $label: ${full_args[*]} (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    bench_status=0
    "$ipckit" bench "${full_args[@]}" --output-dir "$dir" > "$dir/bench.txt" || bench_status=$?
    cat "$dir/bench.txt" >&2
    [[ -f "$dir/results.json" ]]
}

head_status=0
compare_status=0
if [[ -z $base_ref ]]; then
    if ! run_bench "$out" "this checkout" "$root/ipckit" "${bench_args[@]}"; then
        echo "compare.sh: the bench wrote no result (exit $bench_status)." >&2
        exit $((bench_status == 0 ? 1 : bench_status))
    fi
    head_status=$bench_status
    report="$out/report.md"
    full_report="report.html (self-contained) and the SVG charts"

    echo "== compare with $baseline (fail when worse by more than $threshold)" >&2
    if [[ -f "$baseline" ]]; then
        mode="Gate: this run against the baseline file \`${baseline#"$root"/}\` (fails when a result is significantly worse by more than $threshold)."
        "$root/ipckit" compare "$baseline" "$out/results.json" --fail-on-regression "$threshold" --format markdown > "$out/compare.md" || compare_status=$?
    else
        mode="Gate: none (no baseline file)."
        printf '### ipckit compare\n\nNo baseline at %s: nothing to compare with.\n' "$baseline" > "$out/compare.md"
    fi
else
    # The worktree is the one thing outside OUTDIR's files this script makes (git records it in the repository), so it
    # is removed on every exit path: done, failed, Ctrl-C or SIGTERM. Only the directory made here is ever removed.
    worktree=""
    cleanup() {
        if [[ -n $worktree ]]; then
            git -C "$root" worktree remove --force "$worktree" > /dev/null 2>&1 || true
            # When `worktree add` failed part way, git did not register it: the directory is still the one mktemp made.
            if [[ -d $worktree ]]; then rm -rf -- "$worktree"; fi
            git -C "$root" worktree prune
            worktree=""
        fi
    }
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # A worktree left by a run killed with SIGKILL went with `rm -rf OUTDIR` above; this forgets its record.
    git -C "$root" worktree prune

    worktree="$(mktemp -d "$out/base-src.XXXXXX")"
    echo "== check out the base $base_ref (${base_sha:0:12}) into $worktree" >&2
    git -C "$root" worktree add --detach "$worktree" "$base_sha" >&2
    [[ -x "$worktree/ipckit" ]] || fail "the base $base_ref has no ./ipckit launcher to build and run it with."

    # Both builds first, so that no bench waits on a compiler the other side does not.
    echo "== build the head and the base (Release)" >&2
    "$root/ipckit" --version > /dev/null || fail "the head does not build."
    # No MSBuild node outlives the base's build: it would keep running in a directory that is about to go.
    MSBUILDDISABLENODEREUSE=1 "$worktree/ipckit" --version > /dev/null || fail "the base $base_ref does not build."

    base_files=()
    head_files=()
    base_failed=()
    for ((i = 1; i <= rounds; i++)); do
        # Alternating which side goes first (base, head, head, base, ...) puts a machine getting busier or quieter
        # over the job on both sides alike.
        if ((i % 2)); then order=(base head); else order=(head base); fi
        for side in "${order[@]}"; do
            if [[ $side == base ]]; then
                run_bench "$out/base-$i" "base $base_ref, round $i of $rounds" "$worktree/ipckit" "${base_bench_args[@]}" \
                    || fail "the base's bench wrote no result in round $i (exit $bench_status; see $out/base-$i/bench.txt)."
                # A case the base fails is listed as failed in the baseline, not gated: the head is not blamed for it.
                if ((bench_status != 0)); then base_failed+=("round $i: exit $bench_status"); fi
                base_files+=("base-$i/results.json")
            else
                if ! run_bench "$out/head-$i" "head, round $i of $rounds" "$root/ipckit" "${bench_args[@]}"; then
                    echo "compare.sh: the head's bench wrote no result in round $i (exit $bench_status)." >&2
                    exit $((bench_status == 0 ? 1 : bench_status))
                fi
                if ((head_status == 0)); then head_status=$bench_status; fi
                head_files+=("head-$i/results.json")
            fi
        done
    done

    cleanup
    report="$out/head-$rounds/report.md"
    full_report="head-$rounds/report.html (self-contained) and the SVG charts"
    base_list="$(IFS=,; echo "${base_files[*]}")"
    head_list="$(IFS=,; echo "${head_files[*]}")"
    mode="Gate: A/B in this job, the base \`$base_ref\` (${base_sha:0:12}) against the head ($(git -C "$root" rev-parse --short=12 HEAD)), $rounds round(s) each, alternating; each side's runs pooled (fails when a result is significantly worse by more than $threshold)."
    if ((${#base_failed[@]})); then
        mode+=" The base's bench reported failures ($(IFS=';'; echo "${base_failed[*]}")): its failed cases are not gated."
    fi

    echo "== compare $base_list with $head_list (fail when worse by more than $threshold)" >&2
    (cd "$out" && "$root/ipckit" compare "$base_list" "$head_list" --fail-on-regression "$threshold" --format markdown) > "$out/compare.md" || compare_status=$?
fi

{
    echo "$mode"
    echo
    cat "$out/compare.md"
    echo
    cat "$report"
    echo
    echo "Full report: $full_report in the job's artifacts."
} > "$out/summary.md"
cat "$out/summary.md"
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi

if ((head_status != 0)); then
    exit "$head_status"
fi
exit "$compare_status"
