#!/usr/bin/env bash
# Server RSS around 4 MiB requests of every kind (serve/serve.yaml's models, limits.maxRequestBytes 4 MiB):
# JSON numbers, JSON with one huge string, base64 PNGs, a binary tensor body, a prompt, a chunked body past the
# limit. Prints RSS idle, after each request, and the peak (VmHWM). From the repository root:
#   serve/bench/hostile-rss.sh
set -euo pipefail
port=18093
if curl -sf "http://127.0.0.1:$port/v2/health/live" > /dev/null; then
  echo "port $port is taken (a server left from an earlier run?)" >&2
  exit 1
fi
./genpipe serve serve/serve.yaml --port "$port" --grpc-port -1 > /tmp/hostile-rss.log 2>&1 &
launcher=$!
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && break; sleep 1; done
pid=$(pgrep -f "serve serve/serve.yaml --port $port" | tail -1)
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
hwm() { awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status"; }
url="http://127.0.0.1:$port/v2/models"
# warm: one ordinary request of each kind
curl -s -X POST "$url/vae-score/infer" -d '{"parameters": {"rows": 1}}' > /dev/null || true
curl -s -X POST "$url/gpt/generate" -d '{"text_input": "The "}' > /dev/null
sleep 1
echo "idle: $(rss) MiB"
python3 - "$port" "$pid" <<'PY'
import base64, json, socket, struct, sys, urllib.request, zlib
port = int(sys.argv[1])
pid = sys.argv[2]
def rss(key='VmRSS'):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith(key):
            return int(line.split()[1]) // 1024
M = 4 * 1024 * 1024 - 4096
def post(path, body, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except urllib.error.URLError as e:
        return f"closed ({e.reason})"
def png(w, h):
    raw = b"".join(b"\0" + bytes(w) for _ in range(h))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
cases = {}
cases["json-numbers"] = ("/v2/models/vae-score/infer", ('{"inputs": [{"name": "image", "shape": [256, 1, 28, 28], "datatype": "FP32", "data": [' + ",".join(["0.1234567890123456"] * (256 * 784)) + "]}]}").encode(), {})
cases["json-string"] = ("/v2/models/gan/infer", ('{"id": "' + "x" * (M - 20) + '"}').encode(), {})
p = base64.b64encode(png(28, 28)).decode()
k = 256  # limits.maxRowsPerRequest
cases["png-rows"] = ("/v2/models/vae-score/infer", json.dumps({"inputs": [{"name": "image", "shape": [k], "datatype": "BYTES", "data": [p] * k}]}).encode(), {})
rows = M // 3136
cases["binary-tensor"] = ("/v2/models/vae-score/infer", bytes(rows * 3136), {"Inference-Header-Content-Length": "0"})
cases["prompt"] = ("/v2/models/gpt/generate", json.dumps({"text_input": "a" * (M - 40)}).encode(), {})
for name, (path, body, headers) in cases.items():
    status = post(path, body, headers)
    print(f"{name}: {len(body)} bytes, status {status}, RSS {rss()} MiB (peak so far {rss('VmHWM')} MiB)", flush=True)
PY
echo "after all: $(rss) MiB, peak $(hwm) MiB"
kill "$pid" "$launcher" 2> /dev/null || true
