#!/bin/bash
# A city through a local Slurm (4 partitions) against `mosaic run` on one machine, compared file by
# file (docs/performance.md, "Scale-out: single machine vs Slurm, whole run folder").
#
#   bench/scale-out-slurm-compare.sh DATA SCRATCH      # e.g. /tmp/run-med/data /tmp/scale4-med
#
# Release build of the tests (their Mosaic.Cli is what the Slurm tasks run). The single run and the
# Slurm run each take the shared big-job lock; /usr/bin/time -v of the single run, and of the test
# process for the Slurm run (read its wall time; whether its CPU seconds include the tasks that
# slurmd starts is not established). Slurm comes from Debian's slurm-wlm (.ci/run installs it).
# Run on `medium` in session 7: 235 files, 0 different (docs/performance.md).
set -euo pipefail
data=$(realpath "$1") scratch=$2
root=$(cd "$(dirname "$0")/.." && pwd)
lock=${LOCK:-/tmp/mosaic-bigjob.lock}
mkdir -p "$scratch"
scratch=$(realpath "$scratch")
dotnet build "$root/tests/Mosaic.Tests" -c Release -v quiet -nologo > /dev/null
mosaic=$root/tests/Mosaic.Tests/bin/Release/net10.0/Mosaic.Cli
rm -rf "$scratch/single" "$scratch/slurm"
echo "load before single: $(cut -d' ' -f1-3 /proc/loadavg)"
flock "$lock" /usr/bin/time -v -o "$scratch/single.time" "$mosaic" run --data "$data" --out "$scratch/single" --threads 1 --memory-limit 2GB > "$scratch/single.log" 2>&1
grep -E "Elapsed|User time|System time|Maximum resident" "$scratch/single.time"
echo "load before slurm: $(cut -d' ' -f1-3 /proc/loadavg)"
MOSAIC_SLURM_DATA=$data MOSAIC_SLURM_RUN=$scratch/slurm flock "$lock" /usr/bin/time -v -o "$scratch/slurm.time" \
  dotnet test "$root/tests/Mosaic.Tests" -c Release --no-build --filter "FullyQualifiedName~SlurmClusterTests.Submit_CityFromEnvironment_Completes" \
  --logger "console;verbosity=detailed" > "$scratch/slurm.log" 2>&1
grep -E "Elapsed|User time|System time|Maximum resident" "$scratch/slurm.time"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$mosaic" cluster status "$scratch/slurm"
"$mosaic" cluster compare "$scratch/single" "$scratch/slurm"
