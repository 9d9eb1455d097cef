#!/usr/bin/env bash
# VAE scorer requests out of process: over HTTP with Debian's hey (apt-get install hey), one Fashion-MNIST
# image (784 floats) per request as JSON, as binary (JSON header + raw float32) and raw (body = the tensor);
# over gRPC with Node's @grpc/grpc-js (serve/src/test/node: npm ci), ModelInfer with raw_input_contents.
# 32 connections, 15 s each after a 5 s warm-up of each; server CPU per request from /proc. From the repository root:
#   serve/bench/binary-vs-json.sh                                         # as the launcher starts serve
#   GENPIPE_JAVA_OPTS=-XX:TieredStopAtLevel=1 serve/bench/binary-vs-json.sh   # C1 only
#   GENPIPE_JAVA_OPTS=-XX:TieredStopAtLevel=4 serve/bench/binary-vs-json.sh   # C2
set -euo pipefail
dir=$(mktemp -d)
port=18090
printf 'port: %s\nmodels:\n  - name: vae-score\n    use: vae-anomaly-scorer\n    with: {method: combined}\n' "$port" > "$dir/v.yaml"
python3 - "$dir" <<'PY'
import gzip, json, struct, sys
d = sys.argv[1]
raw = gzip.open('data/fashion-mnist/t10k-images-idx3-ubyte.gz').read()[16:16 + 784]
f = [struct.unpack('<f', struct.pack('<f', b / 255.0))[0] for b in raw]
b = struct.pack('<%df' % len(f), *f)
open(d + '/one.bin', 'wb').write(b)
json.dump({"inputs": [{"name": "image", "shape": [1, 1, 28, 28], "datatype": "FP32", "data": f}]}, open(d + '/one.json', 'w'))
h = json.dumps({"inputs": [{"name": "image", "shape": [1, 1, 28, 28], "datatype": "FP32",
                            "parameters": {"binary_data_size": len(b)}}]}).encode()
open(d + '/one.hdr.bin', 'wb').write(h + b)
open(d + '/hl', 'w').write(str(len(h)))
import base64
json.dump({"model_name": "vae-score", "inputs": [{"name": "image", "shape": [1, 1, 28, 28], "datatype": "FP32"}],
           "raw_input_contents": [base64.b64encode(b).decode()]}, open(d + '/one.grpc.json', 'w'))
PY
if curl -sf "http://127.0.0.1:$port/v2/health/live" > /dev/null; then
  echo "port $port is taken (a server left from an earlier run?)" >&2
  exit 1
fi
./genpipe serve "$dir/v.yaml" > "$dir/serve.log" 2>&1 &
launcher=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && break; sleep 1; done
pid=$(pgrep -f "serve $dir/v.yaml" | tail -1)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
url="http://127.0.0.1:$port/v2/models/vae-score/infer"
grpc_bench() {
  node serve/src/test/node/client.js "127.0.0.1:$((port + 1))" protocol/src/main/proto/grpc_predict_v2.proto bench "$1" 32 \
    < "$dir/one.grpc.json"
}
# every mode warmed up first (5 s each), so that the JIT has compiled all three paths before any is measured
hey -z 5s -c 32 -m POST -T application/json -D "$dir/one.json" "$url" > /dev/null
hey -z 5s -c 32 -m POST -T application/octet-stream -H "Inference-Header-Content-Length: $(cat "$dir/hl")" \
  -D "$dir/one.hdr.bin" "$url" > /dev/null
hey -z 5s -c 32 -m POST -T application/octet-stream -H "Inference-Header-Content-Length: 0" -D "$dir/one.bin" "$url" \
  > /dev/null
grpc_bench 20 > /dev/null   # longer: the JIT compiles grpc-java's and Netty's paths
for mode in json binary raw grpc binary-at-grpc-rate; do
  c0=$(cpu)
  case $mode in
    json) hey -z 15s -c 32 -m POST -T application/json -D "$dir/one.json" "$url" > "$dir/$mode.txt" ;;
    binary) hey -z 15s -c 32 -m POST -T application/octet-stream -H "Inference-Header-Content-Length: $(cat "$dir/hl")" \
              -D "$dir/one.hdr.bin" "$url" > "$dir/$mode.txt" ;;
    raw) hey -z 15s -c 32 -m POST -T application/octet-stream -H "Inference-Header-Content-Length: 0" \
           -D "$dir/one.bin" "$url" > "$dir/$mode.txt" ;;
    grpc) grpc_bench 15 > "$dir/$mode.txt" ;;
    # the binary request again, held to the rate the gRPC client reached: server CPU per request at equal load
    binary-at-grpc-rate) hey -z 15s -c 32 -q "$(echo "$rps / 32" | bc)" -m POST -T application/octet-stream \
              -H "Inference-Header-Content-Length: $(cat "$dir/hl")" -D "$dir/one.hdr.bin" "$url" > "$dir/$mode.txt" ;;
  esac
  c1=$(cpu)
  if [ "$mode" = grpc ]; then
    ok=$(sed 's/.*"requests":\([0-9]*\).*/\1/' "$dir/$mode.txt")
    rps=$(sed 's/.*"rps":\([0-9.]*\).*/\1/' "$dir/$mode.txt")
    cat "$dir/$mode.txt"
  else
    ok=$(awk '/\[200\]/ {print $2}' "$dir/$mode.txt")
    rps=$(awk '/Requests\/sec/ {print $2}' "$dir/$mode.txt")
  fi
  ticks=$(getconf CLK_TCK)
  echo "$mode: $rps req/s, $ok answered 200, server CPU $(echo "($c1 - $c0) * 1000 / $ticks / $ok" | bc -l | cut -c1-5) ms/request"
  grep -E '^\s+\[[0-9]+\]' "$dir/$mode.txt" | grep -v '\[200\]' || true
done
kill "$pid" "$launcher" 2> /dev/null || true
