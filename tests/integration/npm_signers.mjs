// Signs requests to jobstream with three npm SigV4 implementations and sends them; prints a JSON
// report. Used by test_npm_signers.py.
//
// Input, a JSON object on stdin:
//   {"baseUrl": "http://127.0.0.1:8080", "region": "us-east-1", "service": "execute-api",
//    "credentials": {"AccessKeyId": …, "SecretAccessKey": …, "SessionToken": … (optional)},
//    "only": ["aws4/header", …] (optional: the client/form pairs to run),
//    "request": {"method": "PUT", "path": "/consumers/consumer_1", "body": {…}} (optional)}
//
// Without "request", each client/form POSTs /jobs {"seconds": 1} and, if that answered with an
// id, GETs /jobs/{id}. With it, each client/form sends that one request. Output, on stdout:
//   {"aws4/header": {"post": {"status", "errorType", "body"}, "get": {…}}, …}
// (or {"<client>/<form>": {"request": {…}}} with "request"). A client that throws is reported as
// {"error": "<message>"}; the script itself only fails on bad input.

import http from "node:http";
import { readFileSync } from "node:fs";

import aws4 from "aws4";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { createSignedFetcher } from "aws-sigv4-fetch";

// Where the signature travelled: "header" (Authorization), "query" (X-Amz-Signature) or both/none.
function signedIn(target, headers) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const inHeader = typeof lower.authorization === "string" &&
    lower.authorization.startsWith("AWS4-HMAC-SHA256 ");
  const inQuery = new URL(target, "http://x").searchParams.has("X-Amz-Signature");
  return inHeader && inQuery ? "both" : inHeader ? "header" : inQuery ? "query" : "none";
}

// Where the session token travelled: "header" (X-Amz-Security-Token), "query" or "none".
function tokenIn(target, headers) {
  const inHeader = Object.keys(headers).some((k) => k.toLowerCase() === "x-amz-security-token");
  const inQuery = new URL(target, "http://x").searchParams.has("X-Amz-Security-Token");
  return inHeader && inQuery ? "both" : inHeader ? "header" : inQuery ? "query" : "none";
}

// Sends exactly the method, path (with query) and headers a signer produced, over node:http (so
// no client adds or rewrites a header after signing).
function send(base, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: base.hostname, port: base.port, method, path, headers,
                               setHost: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, signedIn: signedIn(path, headers),
                                    tokenIn: tokenIn(path, headers),
                                    errorType: res.headers["x-amzn-errortype"] ?? null,
                                    body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.setTimeout(30000, () => req.destroy(new Error("timeout")));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function jsonHeaders(body) {
  return body === undefined ? {} : { "content-type": "application/json" };
}

// --- aws4 (https://github.com/mhart/aws4): header and query (presigned) forms ------------------

async function viaAws4(cfg, method, path, body, presign) {
  const opts = { host: cfg.base.host, path, method, service: cfg.service, region: cfg.region,
                 headers: jsonHeaders(body), signQuery: presign };
  if (body !== undefined) opts.body = body;
  const creds = { accessKeyId: cfg.creds.AccessKeyId, secretAccessKey: cfg.creds.SecretAccessKey };
  if (cfg.creds.SessionToken) creds.sessionToken = cfg.creds.SessionToken;
  aws4.sign(opts, creds);
  return send(cfg.base, method, opts.path, opts.headers, body);
}

// --- @smithy/signature-v4 (the AWS SDK for JavaScript v3's signer) with @smithy/hash-node -----

function smithySigner(cfg) {
  const credentials = { accessKeyId: cfg.creds.AccessKeyId,
                        secretAccessKey: cfg.creds.SecretAccessKey };
  if (cfg.creds.SessionToken) credentials.sessionToken = cfg.creds.SessionToken;
  return new SignatureV4({ credentials, region: cfg.region, service: cfg.service,
                           sha256: Hash.bind(null, "sha256"), uriEscapePath: true });
}

async function viaSmithy(cfg, method, path, body, presign) {
  const url = new URL(path, cfg.base);
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const request = { method, protocol: url.protocol, hostname: url.hostname,
                    port: Number(url.port), path: url.pathname, query,
                    headers: { host: url.host, ...jsonHeaders(body) }, body };
  const signer = smithySigner(cfg);
  const signed = presign ? await signer.presign(request, { expiresIn: 300 })
                         : await signer.sign(request);
  const qs = new URLSearchParams(signed.query ?? {}).toString()
    .replace(/\+/g, "%20");
  return send(cfg.base, method, signed.path + (qs ? "?" + qs : ""), signed.headers, body);
}

// --- aws-sigv4-fetch (wraps fetch; signs in the header form only) ---------------------------

async function viaSigv4Fetch(cfg, method, path, body) {
  const credentials = { accessKeyId: cfg.creds.AccessKeyId,
                        secretAccessKey: cfg.creds.SecretAccessKey };
  if (cfg.creds.SessionToken) credentials.sessionToken = cfg.creds.SessionToken;
  let seen = "none", token = "none";
  const spy = (input, init) => {  // sees the request aws-sigv4-fetch signed, then sends it
    const request = new Request(input, init);
    seen = signedIn(request.url, Object.fromEntries(request.headers));
    token = tokenIn(request.url, Object.fromEntries(request.headers));
    return fetch(request);
  };
  const fetcher = createSignedFetcher({ service: cfg.service, region: cfg.region, credentials,
                                        fetch: spy });
  const init = { method, headers: jsonHeaders(body) };
  if (body !== undefined) init.body = body;
  const res = await fetcher(new URL(path, cfg.base).href, init);
  return { status: res.status, signedIn: seen, tokenIn: token,
           errorType: res.headers.get("x-amzn-errortype"),
           body: await res.text() };
}

const CLIENTS = {
  "aws4/header": (cfg, m, p, b) => viaAws4(cfg, m, p, b, false),
  "aws4/presigned": (cfg, m, p, b) => viaAws4(cfg, m, p, b, true),
  "smithy/header": (cfg, m, p, b) => viaSmithy(cfg, m, p, b, false),
  "smithy/presigned": (cfg, m, p, b) => viaSmithy(cfg, m, p, b, true),
  "aws-sigv4-fetch/header": (cfg, m, p, b) => viaSigv4Fetch(cfg, m, p, b),
};

async function attempt(fn) {
  try {
    return await fn();
  } catch (e) {
    return { error: String(e && e.stack || e) };
  }
}

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  if (!input.baseUrl || !input.credentials?.AccessKeyId || !input.credentials?.SecretAccessKey) {
    throw new Error("input needs baseUrl and credentials.AccessKeyId/SecretAccessKey");
  }
  const cfg = { base: new URL(input.baseUrl), region: input.region || "us-east-1",
                service: input.service || "execute-api", creds: input.credentials };
  const names = input.only ?? Object.keys(CLIENTS);
  const report = { versions: {} };
  for (const pkg of ["aws4", "@smithy/signature-v4", "@smithy/hash-node", "aws-sigv4-fetch"]) {
    report.versions[pkg] = JSON.parse(readFileSync(
      new URL(`node_modules/${pkg}/package.json`, import.meta.url), "utf8")).version;
  }
  for (const name of names) {
    const client = CLIENTS[name];
    if (!client) throw new Error(`unknown client/form ${name}`);
    const entry = {};
    if (input.request) {
      const r = input.request;
      const body = r.body === undefined ? undefined : JSON.stringify(r.body);
      entry.request = await attempt(() => client(cfg, r.method, r.path, body));
    } else {
      entry.post = await attempt(() => client(cfg, "POST", "/jobs", JSON.stringify({ seconds: 1 })));
      let id = null;
      try { id = JSON.parse(entry.post.body).id ?? null; } catch { /* reported as is */ }
      if (typeof id === "string") {
        entry.id = id;
        entry.get = await attempt(() => client(cfg, "GET", `/jobs/${encodeURIComponent(id)}`));
      }
    }
    report[name] = entry;
  }
  process.stdout.write(JSON.stringify(report, null, 1) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\n");
  process.exit(2);
});
