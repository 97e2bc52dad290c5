#!/usr/bin/env bash
# ../shared/peers-bench/run.sh with Backstream run twice per shape: float64 (the harness as published) and float32
# (the same definition plus "dtype": "float32"). The shared harness is read-only, so this copies it to a temporary
# directory and changes two lines of its BackstreamMain: the definition's dtype and the "dtype" it reports.
# Usage, from the project root after `mvn -B package -DskipTests`:
#   tools/peers-bench-dtypes.sh [JAR] [SHAPES]      (DTYPES=float64,float32 by default)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
SRC="${PEERS_BENCH:-$HERE/../shared/peers-bench}"
JAR="$(realpath "${1:-target/backstream.jar}")"; SHAPES="${2:-S1,S2,S3,S4,S5}"
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
cp -r "$SRC"/. "$W"/ && chmod -R u+w "$W"
MAIN="$W/backstream/BackstreamMain.java"
grep -q '"\\"optimizer\\":{' "$MAIN" || { echo "BackstreamMain.java changed: update $0" >&2; exit 1; }
sed -i 's|+ "\\"optimizer\\":{|+ "\\"dtype\\":\\"" + System.getProperty("bench.dtype", "float64") + "\\"," + "\\"optimizer\\":{|' "$MAIN"
sed -i 's|extra.put("dtype", "float64");|extra.put("dtype", System.getProperty("bench.dtype", "float64"));|' "$MAIN"
grep -q 'bench.dtype", "float64") + ' "$MAIN" && grep -q 'extra.put("dtype", System' "$MAIN" || { echo "could not patch $MAIN" >&2; exit 1; }
# run.sh: one Backstream line per dtype; the summary keys rows by peer, so the peer name carries the dtype
RUN="$W/run.sh"
python3 - "$RUN" "${DTYPES:-float64,float32}" <<'PY'
import sys
path, dtypes = sys.argv[1], sys.argv[2].split(",")
s = open(path).read()
line = next(l for l in s.splitlines() if "bench.peers.BackstreamMain" in l and "J25" not in l)
new = "\n".join(line.replace("java -Xms1g", f"java -Dbench.dtype={d} -Xms1g").replace(
    "| tee -a", f"| sed 's/\"peer\": *\"backstream\"/\"peer\":\"backstream {d}\"/' | tee -a") for d in dtypes)
s = s.replace(line, new)
open(path, "w").write(s)
PY
exec "$RUN" "$JAR" "$SHAPES"
