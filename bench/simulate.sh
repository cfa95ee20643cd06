#!/usr/bin/env bash
# Simulator benchmark: one preset, Release build, peak memory from /usr/bin/time -v.
# Usage: bench/simulate.sh PRESET [OUT_DIR]   (MOSAIC_SIM_WRITER=duckdb to compare the DuckDB appender)
set -euo pipefail
preset=${1:?preset}
out=${2:-/tmp/mosaic-bench-$preset}
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$root/src/Mosaic.Cli" -c Release -v quiet -nologo >/dev/null
rm -rf "$out"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v "$root/src/Mosaic.Cli/bin/Release/net10.0/Mosaic.Cli" simulate --out "$out" --preset "$preset" 2>&1 \
  | grep -E "simulated|Elapsed \(wall|Maximum resident|User time|System time"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
du -b "$out/calls.parquet"; du -cb "$out"/* | tail -1
grep -A12 '"timings_seconds"' "$out/manifest.json"
