#!/usr/bin/env bash
# Smoke test for ipckit-native: builds it, runs every mechanism briefly (small, medium and large messages,
# both workloads, ring streaming and padding records, zero-copy rings, a message shorter than the sequence number), and checks
# each JSON line: exit code 0, sent == received == operations, lost == 0, corrupted == 0. Also checks that bad
# arguments exit with 2 and that no child process is left behind. Exits non-zero on any failure.
#
#   scripts/native/smoke.sh [OUTDIR]
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-}"
bin="$("$here/build.sh" ${out:+"$out"})" || { echo "smoke: build failed" >&2; exit 1; }

failures=0
runs=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

check() {
    # check "description" args...
    local desc="$1"; shift
    runs=$((runs + 1))
    local json rc
    json="$("$bin" "$@" 2>"$log")"; rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "FAIL $desc: exit $rc: $(cat "$log")"
        failures=$((failures + 1)); return
    fi
    if ! python3 - "$json" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
need = ["tool", "mechanism", "workload", "messageSize", "operations", "pin", "p50Ns", "p90Ns", "p99Ns", "p999Ns",
        "maxNs", "meanNs", "messagesPerSecond", "bytesPerSecond", "sent", "received", "lost", "corrupted"]
missing = [k for k in need if k not in r]
problems = []
if missing: problems.append("missing " + ",".join(missing))
if r.get("lost") != 0: problems.append("lost=%s" % r.get("lost"))
if r.get("corrupted") != 0: problems.append("corrupted=%s" % r.get("corrupted"))
if not (r.get("sent") == r.get("received") == r.get("operations")): problems.append("sent/received/operations differ")
if not (0 < r.get("p50Ns", 0) <= r.get("p99Ns", 0) <= r.get("maxNs", 0)): problems.append("percentiles out of order")
if not r.get("messagesPerSecond", 0) > 0: problems.append("no rate")
if r["workload"] == "throughput" and r["mechanism"] != "memcpy" and r["messageSize"] >= 8:
    rates = r.get("batchMessagesPerSecond", [])
    if not rates or min(rates) <= 0 or r.get("settleBatches", 0) < 1: problems.append("no per-batch rates or settling")
if problems:
    print("; ".join(problems)); sys.exit(1)
PY
    then
        echo "FAIL $desc: $json"
        failures=$((failures + 1)); return
    fi
    echo "ok   $desc: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("p50=%dns msgs/s=%.0f" % (r["p50Ns"], r["messagesPerSecond"]))' "$json")"
}

for m in pipe unix tcp shm-spin futex; do
    pin=none
    [[ $m == shm-spin ]] && pin=split
    for size in 64 3 100000; do
        check "$m latency $size" "$m" --workload latency --size "$size" --iterations 2000 --pin "$pin"
        check "$m throughput $size" "$m" --workload throughput --size "$size" --iterations 5000 --pin "$pin"
    done
done
# Rings: streamed messages (size > capacity/4) and padding records (sizes that do not divide the capacity).
for m in shm-spin futex; do
    check "$m streamed 1 MiB over a 64 KiB ring" "$m" --workload throughput --size 1048576 --iterations 50 --capacity 65536 --pin split
    check "$m padding records" "$m" --workload throughput --size 5000 --iterations 20000 --capacity 16384 --pin split
    check "$m latency 1 MiB" "$m" --workload latency --size 1M --iterations 50 --pin split
    # Zero-copy: written in place (padding before the end too) and read in place; staged when over capacity/4.
    check "$m zero-copy 64" "$m" --workload throughput --size 64 --iterations 20000 --zero-copy --pin split
    check "$m zero-copy padding records" "$m" --workload throughput --size 5000 --iterations 20000 --capacity 16384 --zero-copy --pin split
    check "$m zero-copy staged 1 MiB over a 64 KiB ring" "$m" --workload throughput --size 1M --iterations 50 --capacity 65536 --zero-copy --pin split
    check "$m zero-copy 3" "$m" --workload throughput --size 3 --iterations 5000 --zero-copy --pin split
done
check "pipe with a 1 MiB buffer" pipe --workload throughput --size 65536 --iterations 2000 --pipe-size 1M
check "pipe with idle threads" pipe --workload latency --size 64 --iterations 2000 --pin same --idle-threads 3
check "futex same cpu" futex --workload latency --size 64 --iterations 2000 --pin same
check "shm-flag latency" shm-flag --workload latency --size 64 --iterations 20000 --pin split
for size in 3 56 64 1000; do
    check "shm-slot latency $size" shm-slot --workload latency --size "$size" --iterations 2000 --pin split
done
check "shm-slot latency 64 KiB" shm-slot --workload latency --size 64K --iterations 200 --pin split
check "memcpy latency 1 MiB" memcpy --workload latency --size 1M --iterations 200 --pool 64M
check "memcpy throughput 64" memcpy --workload throughput --size 64 --iterations 10000 --pool 64M

# Bad arguments exit with 2.
for args in "" "pipe" "bogus --workload latency --size 64 --iterations 1" "pipe --workload latency --size x --iterations 1" \
            "shm-flag --workload throughput --size 64 --iterations 1" "shm-slot --workload throughput --size 64 --iterations 1" \
            "shm-slot --workload latency --size 65537 --iterations 1" "pipe --workload latency --size 64 --iterations 1 --pin maybe" \
            "pipe --workload throughput --size 64 --iterations 1 --zero-copy" "futex --workload throughput --size 64 --iterations 9 --batches 0" \
            "pipe --workload latency --size 64 --iterations 1 --idle-threads 65"; do
    runs=$((runs + 1))
    # shellcheck disable=SC2086
    "$bin" $args >/dev/null 2>&1; rc=$?
    if [[ $rc -ne 2 ]]; then echo "FAIL bad arguments '$args' exited $rc, expected 2"; failures=$((failures + 1)); fi
done

# No child left behind.
runs=$((runs + 1))
if pgrep -f "^$bin" >/dev/null 2>&1; then
    echo "FAIL leftover ipckit-native processes: $(pgrep -af "^$bin")"; failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then
    echo "smoke: $failures of $runs checks FAILED"
    exit 1
fi
echo "smoke: all $runs checks passed"
