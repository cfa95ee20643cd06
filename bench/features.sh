#!/usr/bin/env bash
# Features stage at scale: generate a synthetic data folder (seeded), then time `mosaic features`
# with /usr/bin/time -v (wall clock, peak resident memory).
# Usage: bench/features.sh CALLS SUBSCRIBERS [WORKDIR [extra features options, e.g. --slices 4]]
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:?calls}; subscribers=${2:?subscribers}; work=${3:-/tmp/mosaic-bench-features}; shift $(( $# < 3 ? $# : 3 ))
data="$work/data-$calls"; run="$work/run-$calls"
dotnet build -c Release bench/Mosaic.Benchmarks -v q -nologo >/dev/null && dotnet build -c Release src/Mosaic.Cli -v q -nologo >/dev/null
if [ ! -f "$data/calls.parquet" ]; then
  /usr/bin/time -f "generate: %e s, peak %M KB" dotnet bench/Mosaic.Benchmarks/bin/Release/net10.0/Mosaic.Benchmarks.dll generate-calls "$data" "$calls" "$subscribers"
fi
rm -rf "$run"
CI=1 /usr/bin/time -v dotnet src/Mosaic.Cli/bin/Release/net10.0/Mosaic.Cli.dll features --data "$data" --out "$run" "$@" 2> "$work/time-$calls.txt" || { cat "$work/time-$calls.txt"; exit 1; }
grep -E "features:|Elapsed|Maximum resident|User time|System time|Percent of CPU" "$work/time-$calls.txt"
/usr/bin/python3 -c "import json,sys; r=json.load(open('$run/features/report.json')); print('rows', r['rows'], 'subjects', r['subjects'], 'machines', r['machines_excluded'], 'edges', r['graph_edges_by_week']); print(r['timings_seconds'])"
