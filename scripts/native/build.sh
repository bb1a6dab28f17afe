#!/usr/bin/env bash
# Builds the native C reference program ipckit-native.
#
#   scripts/native/build.sh [OUTDIR]      (default OUTDIR: <repo>/artifacts/native)
#
# Rebuilds only when a source (*.c, *.h, this script) is newer than the binary. Compiler: $CC if set, else
# cc, gcc or clang. Progress messages go to stderr; the binary's path is printed on stdout.
# Exit codes: 0 ok, 1 compile failure, 3 no C compiler found.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/artifacts/native}"
bin="$out/ipckit-native"

compiler=""
for c in ${CC:-} cc gcc clang; do
    if command -v "$c" >/dev/null 2>&1; then compiler="$c"; break; fi
done
if [[ -z "$compiler" ]]; then
    echo "build.sh: no C compiler found (tried \$CC, cc, gcc, clang). Install one, e.g. 'apt-get install gcc', or set CC." >&2
    exit 3
fi

sources=("$here"/*.c)
stale=0
if [[ ! -x "$bin" ]]; then
    stale=1
else
    for f in "$here"/*.c "$here"/*.h "$here/build.sh"; do
        if [[ "$f" -nt "$bin" ]]; then stale=1; break; fi
    done
fi

if [[ $stale -eq 0 ]]; then
    echo "build.sh: $bin is up to date" >&2
    echo "$bin"
    exit 0
fi

mkdir -p "$out"
tmp="$(mktemp "$out/.ipckit-native.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
echo "build.sh: compiling ${#sources[@]} files with $compiler -> $bin" >&2
if ! "$compiler" -O2 -std=gnu11 -Wall -Wextra -Werror -pthread -o "$tmp" "${sources[@]}"; then
    echo "build.sh: compilation failed" >&2
    exit 1
fi
chmod 755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
echo "build.sh: built $bin" >&2
echo "$bin"
