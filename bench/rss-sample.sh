#!/bin/bash
# Resident memory of one command over time (docs/performance.md, "Session 7"): runs COMMAND,
# reads VmRSS of its process from /proc every INTERVAL seconds (default 1) and writes
# "seconds<TAB>rss_mb" lines to OUT; the command's own output goes to OUT.log, /usr/bin/time -v
# to OUT.time. Put the samples beside the command's progress log ([   12.3s] step …) to see
# which step holds the peak.
#
#   bench/rss-sample.sh OUT COMMAND...
set -euo pipefail
out=$1; shift
interval=${INTERVAL:-1}
/usr/bin/time -v -o "$out.time" "$@" > "$out.log" 2>&1 &
timer=$!
# The command is /usr/bin/time's child: sample that process, not time itself.
child=""
for _ in $(seq 100); do
  child=$(pgrep -P "$timer" | head -1 || true)
  [[ -n $child ]] && break
  sleep 0.05
done
start=$(date +%s.%N)
printf 'seconds\trss_mb\n' > "$out"
while [[ -n $child ]] && kill -0 "$child" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$child/status" 2>/dev/null || true)
  [[ -n $rss ]] && printf '%.1f\t%d\n' "$(echo "$(date +%s.%N) - $start" | bc)" $((rss / 1024)) >> "$out"
  sleep "$interval"
done
wait "$timer"
