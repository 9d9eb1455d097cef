#!/usr/bin/env bash
# GPT text streams, continuous vs static vs no batching, out of process: 32 streams (generate_stream, SSE) of
# varied lengths (seeds 0-31; each ends at its end of text, or at 200 tokens) arriving one every 40 ms, against the same
# tiny GPT served three ways by one server — batching mode continuous (maxBatchSize 32), static (maxBatchSize 32,
# maxQueueDelayMs 10) and maxBatchSize 1. Tokens/s over the whole run and each stream's time to first token.
# One warm-up pass of every mode first. From the repository root:  serve/bench/gpt-streams.sh
set -euo pipefail
trap 'kill "${launcher:-}" 2> /dev/null || true; pkill -f "serve $dir/g.yaml" || true' EXIT
dir=$(mktemp -d)
port=18094
cat > "$dir/g.yaml" <<YAML
port: $port
grpcPort: -1
models:
  - name: continuous
    use: gpt-generator
    with: {temperature: 0.9, topK: 40, maxTokens: 200}
    batching: {mode: continuous, maxBatchSize: 32}
  - name: static
    use: gpt-generator
    with: {temperature: 0.9, topK: 40, maxTokens: 200}
    batching: {mode: static, maxBatchSize: 32, maxQueueDelayMs: 10}
  - name: single
    use: gpt-generator
    with: {temperature: 0.9, topK: 40, maxTokens: 200}
    batching: {mode: static, maxBatchSize: 1}
YAML
if curl -sf "http://127.0.0.1:$port/v2/health/live" > /dev/null; then
  echo "port $port is taken (a server left from an earlier run?)" >&2
  exit 1
fi
./genpipe serve "$dir/g.yaml" > "$dir/serve.log" 2>&1 &
launcher=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && break; sleep 1; done
python3 - "$port" "${STREAMS:-32}" "${GAP_S:-0.040}" <<'PY'
import http.client, json, sys, threading, time
port = int(sys.argv[1])
N, GAP = int(sys.argv[2]), float(sys.argv[3])
def stream(model, i, out):
    body = json.dumps({"text_input": "The ", "parameters": {"seed": i}})
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("POST", f"/v2/models/{model}/generate_stream", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    first = None
    pieces = 0
    for line in r:
        if line.startswith(b"data: "):
            if first is None:
                first = time.monotonic() - t0
            if b'"finish"' not in line:
                pieces += 1
    if r.status != 200 or first is None:
        raise SystemExit(f"stream {i} to {model}: status {r.status}")
    out[i] = (t0, first, time.monotonic(), pieces)
    c.close()
def run(model):
    out = {}
    threads = []
    for i in range(N):
        t = threading.Thread(target=stream, args=(model, i, out))
        t.start()
        threads.append(t)
        time.sleep(GAP)
    for t in threads:
        t.join()
    start = min(v[0] for v in out.values())
    end = max(v[2] for v in out.values())
    tokens = sum(v[3] for v in out.values())
    ttft = sorted(v[1] for v in out.values())
    q = lambda p: ttft[min(len(ttft) - 1, int(p * len(ttft)))]
    return tokens / (end - start), q(0.5), q(0.99), end - start, tokens
for m in ("continuous", "static", "single"):
    run(m)  # warm-up
for m in ("continuous", "static", "single"):
    tps, p50, p99, secs, tokens = run(m)
    print(f"{m}: {tps:.0f} pieces/s ({tokens} pieces in {secs:.1f} s), time to first token p50 {p50*1000:.0f} ms, p99 {p99*1000:.0f} ms", flush=True)
PY
kill "$launcher" 2> /dev/null || true
pkill -f "serve $dir/g.yaml" || true
