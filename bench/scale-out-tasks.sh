#!/bin/bash
# Per-partition throughput and peak memory of the scale-out tasks (docs/performance.md,
# "Scale-out: the large city at N = 1, 4, 16"). Every task is its own process, as a Slurm array
# task would be, timed with /usr/bin/time -v. The steps named in LOCKED (default: all) take the
# shared big-job lock one task at a time (a task holds it for minutes, never the whole series);
# e.g. LOCKED="partition merge" at N = 16, whose tasks are each under a CPU-minute and 2 GB.
#
#   bench/scale-out-tasks.sh MOSAIC DATA N SCRATCH [FEATURE_TASKS]
#
# MOSAIC: the Release CLI (e.g. the output of `dotnet publish src/Mosaic.Cli -c Release -o BIN`,
# BIN/Mosaic.Cli). FEATURE_TASKS: the partitions whose features / segregation compute tasks are
# timed (default: all 0 … N-1); every exchange always runs (the compute tasks need all of them).
# When every partition is computed, integration's tasks and the merge run too.
# STEPS: the steps to run (default: all of them, as LOCKED's list), e.g. STEPS="partition
# features-exchange features" when only the features are measured.
# Results: one line per task in SCRATCH/tasks.tsv (step, N, K, wall s, CPU s user+sys,
# peak RSS MB, 1-minute load average before and after).
set -euo pipefail
mosaic=$1 data=$2 n=$3 scratch=$4
tasks=${5:-$(seq -s ' ' 0 $((n - 1)))}
opts=(--threads 2 --memory-limit "${MEMORY_LIMIT:-8GB}")
lock=${LOCK:-/tmp/mosaic-bigjob.lock}
locked=" ${LOCKED:-partition features-exchange segregation-exchange features segregation integration merge} "
steps=" ${STEPS:-partition features-exchange segregation-exchange features segregation integration merge} "
pdir=$scratch/p$n run=$scratch/r$n
mkdir -p "$scratch/logs"
out=$scratch/tasks.tsv
[[ -e $out ]] || printf 'step\tN\tK\twall_s\tcpu_s\trss_mb\tload_before\tload_after\n' > "$out"

load() { cut -d' ' -f1 /proc/loadavg; }

timed() { # step K command...
  local step=$1 k=$2; shift 2
  [[ $steps == *" $step "* ]] || return 0
  local log=$scratch/logs/$step-$n-$k.txt before
  local cmd=(bash -c "cut -d' ' -f1 /proc/loadavg; /usr/bin/time -v -o '$log.time' $(printf '%q ' "$@") > '$log' 2>&1")
  [[ $locked == *" $step "* ]] && cmd=(flock "$lock" "${cmd[@]}")
  before=$("${cmd[@]}" | head -1)
  awk -v s="$step" -v n="$n" -v k="$k" -v b="$before" -v a="$(load)" -F': ' '
    /User time/ {u=$2} /System time/ {y=$2} /Maximum resident/ {r=$2}
    /Elapsed \(wall clock\)/ {m=split($2,p,":"); w=(m==3? p[1]*3600+p[2]*60+p[3] : p[1]*60+p[2])}
    /Exit status/ {x=$2}
    END {printf "%s\t%s\t%s\t%.1f\t%.1f\t%.0f\t%s\t%s%s\n", s, n, k, w, u+y, r/1024, b, a, (x==0?"":"\tEXIT " x)}' "$log.time" | tee -a "$out"
}

[[ -e $pdir/partition.json ]] || timed partition - "$mosaic" partition --data "$data" --out "$pdir" --partitions "$n" "${opts[@]}"
for k in $(seq 0 $((n - 1))); do
  timed features-exchange "$k" "$mosaic" features --exchange --data "$pdir" --out "$run" --partition "$k/$n" "${opts[@]}"
  timed segregation-exchange "$k" "$mosaic" segregation --exchange --data "$pdir" --out "$run" --partition "$k/$n" "${opts[@]}"
done
for k in $tasks; do
  timed features "$k" "$mosaic" features --data "$pdir" --out "$run" --partition "$k/$n" "${opts[@]}"
  timed segregation "$k" "$mosaic" segregation --data "$pdir" --out "$run" --partition "$k/$n" "${opts[@]}"
done
if [[ $(wc -w <<< "$tasks") -eq $n ]]; then
  for k in $tasks; do
    timed integration "$k" "$mosaic" integration --data "$pdir" --out "$run" --partition "$k/$n" "${opts[@]}"
  done
  timed merge - "$mosaic" merge --data "$pdir" --out "$run" "${opts[@]}"
fi
