#!/usr/bin/env bash
# Dynamic batching vs maxBatchSize 1, out of process with Debian's hey: the VAE scorer (one Fashion-MNIST
# image a request, raw FP32 body) and the GAN (one image a request, answered as binary FP32), each served twice
# by one server — batched (maxBatchSize 64, maxQueueDelayMs 2) and unbatched (maxBatchSize 1) — 32
# connections, 15 s each after a 10 s warm-up of every endpoint; server CPU per request from /proc and the
# batch sizes from /metrics. From the repository root:  serve/bench/batching.sh
set -euo pipefail
dir=$(mktemp -d)
port=18092
cat > "$dir/b.yaml" <<YAML
port: $port
grpcPort: -1
models:
  - name: vae
    use: vae-anomaly-scorer
    with: {method: combined}
    batching: {maxBatchSize: 64, maxQueueDelayMs: 2, queueCapacity: 1024}
  - name: vae-single
    use: vae-anomaly-scorer
    with: {method: combined}
    batching: {maxBatchSize: 1, queueCapacity: 1024}
  - name: gan
    use: gan-generator
    batching: {maxBatchSize: 64, maxQueueDelayMs: 2, queueCapacity: 1024}
  - name: gan-single
    use: gan-generator
    batching: {maxBatchSize: 1, queueCapacity: 1024}
YAML
python3 - "$dir" <<'PY'
import gzip, struct, sys
d = sys.argv[1]
raw = gzip.open('data/fashion-mnist/t10k-images-idx3-ubyte.gz').read()[16:16 + 784]
open(d + '/one.bin', 'wb').write(struct.pack('<784f', *[b / 255.0 for b in raw]))
open(d + '/gan.json', 'w').write('{"parameters": {"rows": 1, "binary_data_output": true}}')
PY
if curl -sf "http://127.0.0.1:$port/v2/health/live" > /dev/null; then
  echo "port $port is taken (a server left from an earlier run?)" >&2
  exit 1
fi
./genpipe serve "$dir/b.yaml" > "$dir/serve.log" 2>&1 &
launcher=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && break; sleep 1; done
pid=$(pgrep -f "serve $dir/b.yaml" | tail -1)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
load() { # model seconds
  local url="http://127.0.0.1:$port/v2/models/$1/infer"
  case $1 in
    vae*) hey -z "$2" -c 32 -m POST -T application/octet-stream -H "Inference-Header-Content-Length: 0" -D "$dir/one.bin" "$url" ;;
    gan*) hey -z "$2" -c 32 -m POST -T application/json -D "$dir/gan.json" "$url" ;;
  esac
}
for m in vae vae-single gan gan-single; do load "$m" 10s > /dev/null; done
for m in vae vae-single gan gan-single; do
  c0=$(cpu)
  load "$m" 15s > "$dir/$m.txt"
  c1=$(cpu)
  ok=$(awk '/\[200\]/ {print $2}' "$dir/$m.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$dir/$m.txt")
  p50=$(awk '/50% in/ {print $3}' "$dir/$m.txt")
  p99=$(awk '/99% in/ {print $3}' "$dir/$m.txt")
  echo "$m: $rps req/s, $ok answered 200, p50 ${p50}s p99 ${p99}s, server CPU $(echo "($c1 - $c0) * 1000 / $(getconf CLK_TCK) / $ok" | bc -l | cut -c1-5) ms/request"
  grep -E '^\s+\[[0-9]+\]' "$dir/$m.txt" | grep -v '\[200\]' || true
done
curl -s "http://127.0.0.1:$port/metrics" | grep -E 'genpipe_serve_batch_size_(sum|count)|inference_duration_seconds_(sum|count)'
kill "$pid" "$launcher" 2> /dev/null || true
