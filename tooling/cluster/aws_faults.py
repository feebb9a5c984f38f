"""AWS faults for the cluster test: a proxy in front of moto that answers
chosen calls with an error (throttling, 5xx, access denied) a given number
of times, or holds moto's answer back for a while, and forwards everything
else unchanged. The rules are a JSON file, read again whenever it changes;
what was served is appended to a log the test reads.

Usage: aws_faults.py <port> <moto endpoint> <rules.json> <served.log>
rules: [{"call": "CreateDBSnapshot" | "PutBucketPolicy" | ..., "status": 503,
         "code": "Throttling", "times": 3, "holdMs": 0}]
A rule with "times" served is spent; "holdMs" forwards the call to moto
first and answers it only after the wait (the call happened; its answer
is late). Loopback only.
"""
import http.client
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT, UPSTREAM, RULES, SERVED = int(sys.argv[1]), urlsplit(sys.argv[2]), sys.argv[3], sys.argv[4]
LOCK = threading.Lock()
STATE = {"mtime": None, "rules": []}

# S3 calls by method and sub-resource (the rest of the AWS APIs name the call).
S3_CALLS = {("PUT", "policy"): "PutBucketPolicy", ("GET", "policy"): "GetBucketPolicy"}


def call_name(method, path, query, headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    params = parse_qs(query)
    if not params.get("Action") and body and b"Action=" in body:
        params = parse_qs(body.decode("utf-8", "replace"))
    if params.get("Action"):
        return params["Action"][0]
    for sub in parse_qs(query, keep_blank_values=True):
        if (method, sub) in S3_CALLS:
            return S3_CALLS[(method, sub)]
    return f"{method} {path}"


def rule_for(name):
    """The first unspent rule for `name`, spent by one (under the lock)."""
    with LOCK:
        try:
            mtime = os.stat(RULES).st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime != STATE["mtime"]:
            STATE["mtime"] = mtime
            STATE["rules"] = json.load(open(RULES, encoding="utf-8")) if mtime else []
        for rule in STATE["rules"]:
            if rule["call"] == name and rule.get("times", 0) > 0:
                rule["times"] -= 1
                return dict(rule)
    return None


def served(line):
    with LOCK, open(SERVED, "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def handle_any(self):
        url = urlsplit(self.path)
        body = self.body()
        name = call_name(self.command, url.path, url.query, self.headers, body)
        rule = rule_for(name)
        if rule and not rule.get("holdMs"):
            served(f"fault {name} {rule['status']} {rule['code']}")
            json_api = bool(self.headers.get("X-Amz-Target"))
            kind = "application/x-amz-json-1.1" if json_api else "text/xml"
            return self.answer(rule["status"], error_body(rule, name, json_api), {"Content-Type": kind})
        status, headers, answer = self.forward(body)
        if rule:
            # Logged before the wait: the call has reached moto, its answer has not reached the caller.
            served(f"held {name} {rule['holdMs']} ms")
            time.sleep(rule["holdMs"] / 1000)
        self.answer(status, answer, headers)

    def forward(self, body):
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("transfer-encoding", "connection")}
        headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        res = conn.getresponse()
        answer = res.read()
        kept = {k: v for k, v in res.getheaders() if k.lower() not in ("transfer-encoding", "connection", "content-length")}
        conn.close()
        return res.status, kept, answer

    def answer(self, status, body, headers):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def error_body(rule, name, json_api):
    """The error in the protocol the caller speaks: JSON (X-Amz-Target APIs), S3's XML, or the query APIs' XML."""
    if json_api:
        return json.dumps({"__type": rule["code"], "message": "injected by the cluster test"}).encode()
    if name in S3_CALLS.values():
        return f"<Error><Code>{rule['code']}</Code><Message>injected by the cluster test</Message></Error>".encode()
    return (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{rule['code']}</Code>"
        f"<Message>injected by the cluster test</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    ).encode()


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
