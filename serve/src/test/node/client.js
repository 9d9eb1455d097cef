// A gRPC client that is not genpipe's: Node's @grpc/grpc-js with @grpc/proto-loader reading the .proto
// at run time. Used by genpipe serve's tests and its gRPC benchmark.
//
//   node client.js HOST:PORT PROTO METHOD < request.json
//     unary METHOD (ModelInfer, ServerMetadata, ...): stdin is one request; prints one line,
//       {"ok": response} or {"error": {"code": NAME, "details": message}}
//     ModelStreamInfer: stdin is a list of requests, sent in order; prints one line per response
//   node client.js HOST:PORT PROTO bench SECONDS CONNECTIONS < request.json
//     ModelInfer as fast as CONNECTIONS concurrent callers (one channel each) can for SECONDS; prints
//     {"requests", "errors", "seconds", "rps", "p50Ms", "p99Ms"}
//
// Bytes are base64 in both directions; int64 values are strings.
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target, proto, method, ...rest] = process.argv.slice(2);
const definition = loader.loadSync(proto, {
  keepCase: true, longs: String, enums: String, bytes: String, defaults: false, oneofs: true,
});
const Service = grpc.loadPackageDefinition(definition).inference.GRPCInferenceService;
const options = {'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20};

function readStdin() {
  return new Promise((resolve) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => { text += d; });
    process.stdin.on('end', () => resolve(text.length ? JSON.parse(text) : {}));
  });
}

function line(object) {
  process.stdout.write(JSON.stringify(object) + '\n');
}

function failure(err) {
  return {error: {code: grpc.status[err.code] || String(err.code), details: err.details}};
}

async function main() {
  const request = await readStdin();
  if (method === 'bench') {
    return bench(request, Number(rest[0]), Number(rest[1]));
  }
  const client = new Service(target, grpc.credentials.createInsecure(), options);
  if (method === 'ModelStreamInfer') {
    const call = client.ModelStreamInfer();
    call.on('data', (r) => line(r));
    call.on('error', (e) => { line(failure(e)); process.exitCode = 1; });
    call.on('end', () => client.close());
    for (const r of request) {
      call.write(r);
    }
    call.end();
    return;
  }
  client[method](request, (err, response) => {
    line(err ? failure(err) : {ok: response});
    client.close();
  });
}

async function bench(request, seconds, connections) {
  const latencies = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const start = Date.now();
  async function caller() {
    const client = new Service(target, grpc.credentials.createInsecure(), options);
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      await new Promise((resolve) => client.ModelInfer(request, (err) => {
        if (err) { errors++; } else { latencies.push(Number(process.hrtime.bigint() - t0) / 1e6); }
        resolve();
      }));
    }
    client.close();
  }
  await Promise.all(Array.from({length: connections}, caller));
  const elapsed = (Date.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : null;
  line({requests: latencies.length, errors, seconds: elapsed, rps: latencies.length / elapsed,
    p50Ms: at(0.5), p99Ms: at(0.99)});
}

main();
