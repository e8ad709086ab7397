#!/usr/bin/env python3
"""GetItem and UpdateItem throughput through jobstream's DynamoDB API (issue 11's closing figure).

Spawns a server (no consumers) on a fresh data directory, stores one item with PutItem, then
drives `wrk` (Debian package `wrk`) with one SigV4-signed request per operation, replayed for the
whole run: a signature stays valid while the request's X-Amz-Date is within the allowed clock
skew (300 s), and the server keeps no nonce, so replaying it measures the server's full path
(verification, authorization, the operation, for UpdateItem a durable commit) without a client
that signs 10,000 requests a second in Python. The requests are signed by botocore (Debian
`python3-botocore`), as the SDKs sign them.

  bench/item_api_throughput.py [--binary build/jobstream] [--duration 10] [--connections 64]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TARGET_PREFIX = "DynamoDB_20120810."


def signed(base_url, credentials, operation, body):
    request = AWSRequest(method="POST", url=base_url + "/", data=json.dumps(body).encode(),
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": TARGET_PREFIX + operation})
    SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)
    return request


def send(request):
    req = urllib.request.Request(request.url, data=request.body, method="POST", headers=dict(request.headers))
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


def wrk_script(request):
    headers = "".join(f'wrk.headers["{k}"] = {json.dumps(v)}\n' for k, v in request.headers.items()
                      if k.lower() not in ("host", "content-length"))
    return f'wrk.method = "POST"\nwrk.body = {json.dumps(request.body.decode())}\n{headers}'


def run_wrk(base_url, request, duration, connections, workdir, name):
    script = os.path.join(workdir, name + ".lua")
    with open(script, "w") as f:
        f.write(wrk_script(request))
        f.write('done = function(summary, latency, requests)\n'
                '  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,'
                ' summary.errors.status, latency:percentile(50), latency:percentile(99)))\nend\n')
    out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "-s", script,
                          base_url + "/"], capture_output=True, text=True, check=True).stdout
    requests, micros, bad_status, p50, p99 = map(int, re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out).groups())
    return {"operation": name, "requests_per_second": round(requests / (micros / 1e6)),
            "non_2xx": bad_status, "p50_ms": p50 / 1000, "p99_ms": p99 / 1000}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "build", "jobstream"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("item_api_throughput: needs wrk (apt-get install wrk)")

    workdir = tempfile.mkdtemp(prefix="jobstream-item-api-")
    server = None
    try:
        data_dir = os.path.join(workdir, "data")
        os.mkdir(data_dir)
        key = json.loads(subprocess.run([args.binary, "keys", "create", "--data-dir", data_dir], check=True,
                                        capture_output=True, text=True).stdout)["AccessKey"]
        config = os.path.join(workdir, "config.toml")
        with open(config, "w") as f:
            f.write('log_level = "warn"\n[[consumers]]\nname = "idle"\nfunction = "noop"\nenabled = false\n')
        server = subprocess.Popen([args.binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0",
                                   "--config", config], stdout=subprocess.PIPE, text=True)
        for line in server.stdout:
            found = re.search(r"Listening on (http://\S+)", line)
            if found:
                base_url = found.group(1)
                break
        else:
            sys.exit("item_api_throughput: the server did not start")
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        item = {"id": {"S": "bench-item"}, "seconds": {"N": "1"}, "counter": {"N": "0"}, "version": {"N": "0"}}
        status, body = send(signed(base_url, credentials, "PutItem", {"TableName": "jobs", "Item": item}))
        if status != 200:
            sys.exit(f"item_api_throughput: PutItem answered {status}: {body!r}")
        get = signed(base_url, credentials, "GetItem", {"TableName": "jobs", "Key": {"id": {"S": "bench-item"}}})
        update = signed(base_url, credentials, "UpdateItem", {
            "TableName": "jobs", "Key": {"id": {"S": "bench-item"}},
            "UpdateExpression": "SET #c = #c + :one", "ConditionExpression": "attribute_exists(id)",
            "ExpressionAttributeNames": {"#c": "counter"}, "ExpressionAttributeValues": {":one": {"N": "1"}}})
        results = [run_wrk(base_url, get, args.duration, args.connections, workdir, "GetItem"),
                   run_wrk(base_url, update, args.duration, args.connections, workdir, "UpdateItem")]
        status, body = send(signed(base_url, credentials, "GetItem",
                                   {"TableName": "jobs", "Key": {"id": {"S": "bench-item"}}}))
        counter = int(json.loads(body)["Item"]["counter"]["N"])
        for result in results:
            print(json.dumps(result))
        print(json.dumps({"updates_applied": counter}))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
