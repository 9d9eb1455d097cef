#!/usr/bin/env bash
# The Spark benchmark of docs/BENCHMARKS.md: the flagship's scoring chain (pipelines/bench/spark-scoring.yaml)
# at 100k and 1M rows, on the local runner and on Spark local[2], one after the other on this machine.
# Rows/s from run.json's seconds (the run itself: validation, the job, the outputs; not JVM or Spark start-up),
# peak resident memory of the whole process from GNU time (on local[2] the executor is the driver's JVM).
#   spark/bench/spark-scoring.sh            (about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
printf '%-7s %9s %9s %10s %10s\n' engine rows seconds rows/s peakRSS_MB
for times in 10 100; do
  rows=$((times * 10000))
  for engine in local spark; do
    args=(run pipelines/bench/spark-scoring.yaml --set copies.times=$times --out "$out/$engine-$times")
    [ "$engine" = spark ] && args+=(--engine spark --master 'local[2]')
    /usr/bin/time -v ./genpipe "${args[@]}" > "$out/$engine-$times.log" 2>&1
    secs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$out/$engine-$times/run.json")
    scored=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['metrics']['scored'])" "$out/$engine-$times/run.json")
    [ "$scored" = "$rows" ] || { echo "scored $scored rows, expected $rows" >&2; exit 1; }
    rss=$(awk '/Maximum resident set size/ {print int($6/1024)}' "$out/$engine-$times.log")
    printf '%-7s %9d %9.1f %10.0f %10d\n' "$engine" "$rows" "$secs" "$(python3 -c "print($rows/$secs)")" "$rss"
  done
done
rm -rf "$out"
