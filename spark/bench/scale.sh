#!/usr/bin/env bash
# The Spark scale benchmark of docs/BENCHMARKS.md: a pipeline over sharded IDX sources of 100k, 1M and 10M rows
# (the Fashion-MNIST test split's two files linked 10, 100 and 1,000 times as shards: images-0000.gz, ...), on
# Spark local[2] and on the local runner, one run at a time on this machine.
#   spark/bench/scale.sh [PIPELINE [SOURCE-STEP [SIZES...]]]
#     default: pipelines/shared/vae-flag.yaml images 10 100 1000   (the flagship's scoring chain)
#     e.g.:    spark/bench/scale.sh pipelines/anomaly-augment.yaml test 10 100   (the flagship)
# Per run: rows, run.json's seconds (validation, the job, the outputs; not the JVM's or SparkSession's start),
# rows/s, the driver's live heap (the largest heap after a full collection in the serial collector's log: what
# stayed live; young collections' figures also count old garbage not yet collected) with the heap capped at
# HEAP (default 512m, the least Spark starts with; the same at every size: a driver that grows with the data fails), and the process's peak RSS
# from GNU time. On local[2] the executor runs in the driver's JVM, so both figures include the executor's work.
set -euo pipefail
cd "$(dirname "$0")/../.."
pipeline=${1:-pipelines/shared/vae-flag.yaml}
step=${2:-images}
shift $(( $# > 2 ? 2 : $# )) || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000)
engines=${ENGINES:-"spark local"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$(pwd)/data/fashion-mnist
heap_cap=${HEAP:-512m}
printf '%-7s %10s %9s %10s %12s %6s %11s\n' engine rows seconds rows/s liveHeap_MB fullGC peakRSS_MB
for n in "${sizes[@]}"; do
  shards="$work/shards-$n"
  mkdir -p "$shards"
  for i in $(seq -f '%04g' 0 $((n - 1))); do
    ln -s "$data/t10k-images-idx3-ubyte.gz" "$shards/images-$i.gz"
    ln -s "$data/t10k-labels-idx1-ubyte.gz" "$shards/labels-$i.gz"
  done
  rows=$((n * 10000))
  for engine in $engines; do
    out="$work/out-$engine-$n"
    args=(run "$pipeline" --set "$step.images=$shards/images-*.gz" --set "$step.labels=$shards/labels-*.gz")
    [ "$engine" = spark ] && args+=(--engine spark --master 'local[2]')
    # run 1, for rows/s and RSS: nothing else running
    GENPIPE_JAVA_OPTS="-Xmx$heap_cap -Xlog:gc:file=$work/gc-$engine-$n.log" /usr/bin/time -v ./genpipe "${args[@]}" \
      --out "$out" > "$work/$engine-$n.log" 2>&1 || { tail -20 "$work/$engine-$n.log" >&2; exit 1; }
    # run 2, for the live heap: the same run with a full collection every 4 s (jcmd GC.run), the largest heap
    # after one of them (its time is not reported: the collections and jcmd's own JVM take a share of the cores)
    GENPIPE_JAVA_OPTS="-Xmx$heap_cap -Xlog:gc:file=$work/live-$engine-$n.log" ./genpipe "${args[@]}" \
      --out "$out-live" > "$work/live-$engine-$n.out" 2>&1 &
    run=$!
    while kill -0 "$run" 2>/dev/null; do
      sleep 4
      pid=$(pgrep -n -f "live-$engine-$n.log" || true)
      [ -n "$pid" ] && jcmd "$pid" GC.run > /dev/null 2>&1 || true
    done
    wait "$run" || { tail -20 "$work/live-$engine-$n.out" >&2; exit 1; }
    rm -rf "$out-live"
    secs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$out/run.json")
    read_rows=$(python3 -c "import json,sys; print([s['rows'] for s in json.load(open(sys.argv[1]))['steps'] if s['id']==sys.argv[2]][0])" "$out/run.json" "$step")
    [ "$read_rows" = "$rows" ] || { echo "$step read $read_rows rows, expected $rows" >&2; exit 1; }
    read -r heap fulls < <(python3 - "$work/live-$engine-$n.log" <<'PY'
import re, sys
peak, fulls = 0, 0
for line in open(sys.argv[1]):
    m = re.search(r'Pause Full \((?!Metadata)[^)]*\) (\d+)M->(\d+)M\(\d+M\)', line)
    if m:
        fulls += 1
        peak = max(peak, int(m.group(2)))
print(peak, fulls)
PY
)
    rss=$(awk '/Maximum resident set size/ {print int($6/1024)}' "$work/$engine-$n.log")
    printf '%-7s %10d %9.1f %10.0f %12d %6d %11d\n' "$engine" "$rows" "$secs" "$(python3 -c "print($rows/$secs)")" "$heap" "$fulls" "$rss"
    rm -rf "$out"
  done
  rm -rf "$shards"
done
