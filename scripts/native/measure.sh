#!/usr/bin/env bash
# Runs the reference matrix that README.md's table reports, REPEAT times (default 3), and prints a Markdown
# table of the medians (with min..max over the repeats). Raw JSON lines go to OUT (default: a temp file).
#
#   scripts/native/measure.sh [REPEAT] [OUT]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repeat="${1:-3}"
out="${2:-$(mktemp /tmp/ipckit-native-measure.XXXXXX.jsonl)}"
bin="$("$here/build.sh")"
: >"$out"

run() { # label, args...
    local label="$1"; shift
    local line
    line="$("$bin" "$@")"
    printf '%s\t%s\n' "$label" "$line" >>"$out"
}

for ((rep = 1; rep <= repeat; rep++)); do
    for m in pipe unix tcp futex; do
        for pin in same split; do
            run "lat64 $m $pin" "$m" --workload latency --size 64 --iterations 100000 --pin "$pin"
        done
    done
    for m in shm-flag shm-slot shm-spin; do
        run "lat64 $m split" "$m" --workload latency --size 64 --iterations 200000 --pin split
    done
    for m in pipe unix tcp futex shm-spin; do
        for pin in same split; do
            [[ $m == shm-spin && $pin == same ]] && continue   # two spinners on one CPU measure the scheduler
            run "tp64 $m $pin" "$m" --workload throughput --size 64 --iterations 1000000 --pin "$pin"
            run "tp64k $m $pin" "$m" --workload throughput --size 65536 --iterations 20000 --pin "$pin"
            run "tp1m $m $pin" "$m" --workload throughput --size 1048576 --iterations 2000 --pin "$pin"
        done
    done
    run "tp64 memcpy same" memcpy --workload throughput --size 64 --iterations 10000000 --pin same
    run "tp64k memcpy same" memcpy --workload throughput --size 65536 --iterations 50000 --pin same
    run "tp1m memcpy same" memcpy --workload throughput --size 1048576 --iterations 5000 --pin same
    # memcpy-hot: --pool smaller than the message, so every copy reuses the same (cache-resident) buffers.
    run "tp64 memcpy-hot same" memcpy --workload throughput --size 64 --iterations 10000000 --pin same --pool 4K
    run "tp64k memcpy-hot same" memcpy --workload throughput --size 65536 --iterations 50000 --pin same --pool 4K
    run "tp1m memcpy-hot same" memcpy --workload throughput --size 1048576 --iterations 5000 --pin same --pool 4K
done

python3 - "$out" <<'PY'
import json, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, js = line.rstrip("\n").split("\t", 1)
    r = json.loads(js)
    assert r["lost"] == 0 and r["corrupted"] == 0, line
    rows[label].append(r)
def med(label, key, scale, fmt):
    v = [r[key] / scale for r in rows.get(label, [])]
    if not v: return "–"
    return (fmt % statistics.median(v)) + " (" + (fmt % min(v)) + "–" + (fmt % max(v)) + ")"
n = len(rows["lat64 pipe same"])
print("64-byte latency, p50 round trip in µs (median of %d runs, min–max):\n" % n)
print("| mechanism | --pin same | --pin split |\n|---|---|---|")
for m in ["pipe", "unix", "tcp", "futex", "shm-spin", "shm-flag", "shm-slot"]:
    print("| %s | %s | %s |" % (m, med("lat64 %s same" % m, "p50Ns", 1e3, "%.2f"), med("lat64 %s split" % m, "p50Ns", 1e3, "%.2f")))
print("\nThroughput (median of %d runs, min–max); memcpy: one process on CPU 0:\n" % n)
print("| mechanism | pin | 64 B (M msgs/s) | 64 KiB (GB/s) | 1 MiB (GB/s) |\n|---|---|---|---|---|")
for m in ["pipe", "unix", "tcp", "futex", "shm-spin", "memcpy", "memcpy-hot"]:
    for pin in ["same", "split"]:
        if ("tp64 %s %s" % (m, pin)) not in rows: continue
        print("| %s | %s | %s | %s | %s |" % (m, pin, med("tp64 %s %s" % (m, pin), "messagesPerSecond", 1e6, "%.2f"),
              med("tp64k %s %s" % (m, pin), "bytesPerSecond", 1e9, "%.2f"), med("tp1m %s %s" % (m, pin), "bytesPerSecond", 1e9, "%.2f")))
print("\nraw results: %s" % sys.argv[1], file=sys.stderr)
PY
