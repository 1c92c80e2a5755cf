#!/usr/bin/env python3
"""Fuzz the served API with schemathesis as an owner, an org admin and a plain client user.

Each role gets a fresh server (the built `clientele` binary on a fresh SQLite database) so a
run cannot lock the next one out. Stateful testing is on. A run fails on any server error,
any response that breaks the documented schema or content type, and any invalid payload
accepted. Usage: fuzz_api.py BINARY [MAX_EXAMPLES]
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PASSWORD = "schemathesis Passphrase 42"
CHECKS = "not_a_server_error,response_schema_conformance,negative_data_rejection,content_type_conformance"
# Signing out would end the run's own session; a transfer would demote the owner mid-run.
EXCLUDED = ["signOut", "transferOwnership"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, session=None):
    headers = {"content-type": "application/json"}
    if session:
        headers["cookie"] = session["cookie"]
        headers["x-csrf-token"] = session["csrf"]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request) as response:
        cookie = response.headers.get("set-cookie", "").split(";")[0]
        return json.loads(response.read() or b"null"), cookie


def sign_in(base, path, body):
    answer, cookie = call(base, "POST", path, body)
    return {"cookie": cookie, "csrf": answer["csrf_token"]}


def serve(binary, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTELE_")}
    env.update(CLIENTELE_DATA_DIR=data_dir, CLIENTELE_OWNER_PASSWORD=PASSWORD, CLIENTELE_LOG="warn")
    subprocess.run([binary, "init", "--workspace", "Acme", "--owner-name", "Ana", "--owner-email", "ana@acme.test"],
                   env=env, check=True, capture_output=True)
    port = free_port()
    log = open(os.path.join(data_dir, "serve.log"), "w")
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz")
            return server, base
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def session_for(role, base):
    owner = sign_in(base, "/api/v1/sessions", {"email": "ana@acme.test", "password": PASSWORD})
    if role == "owner":
        return owner
    organization, _ = call(base, "POST", "/api/v1/organizations", {"name": "Northwind"}, owner)
    permissions = ["org_admin", "home", "conversations"] if role == "org admin" else ["home", "analytics"]
    email = role.replace(" ", "-") + "@northwind.test"
    call(base, "POST", f"/api/v1/organizations/{organization['id']}/users",
         {"name": role.title(), "email": email, "password": PASSWORD, "permissions": permissions}, owner)
    return sign_in(base, "/api/v1/dashboard/sessions", {"workspace": "acme", "email": email, "password": PASSWORD})


def fuzz(binary, role, max_examples):
    with tempfile.TemporaryDirectory() as data_dir:
        server, base = serve(binary, data_dir)
        try:
            session = session_for(role, base)
            command = [os.path.join(os.path.dirname(sys.executable), "st"), "run", base + "/api/v1/openapi.json",
                       "--header", "Cookie: " + session["cookie"], "--header", "x-csrf-token: " + session["csrf"],
                       # One worker: hypothesis describes strategies with Python's `ast`, which two
                       # threads at once can crash on this machine's CPython 3.11 ("AST constructor
                       # recursion depth mismatch"), failing a run for no fault of the API.
                       "--checks", CHECKS, "--max-examples", str(max_examples), "--workers", "1",
                       "--phases", "examples,coverage,fuzzing,stateful", "--no-color", "--seed", "1"]
            for operation in EXCLUDED:
                command += ["--exclude-operation-id", operation]
            # Its cache goes in the run's own directory, not the repository.
            result = subprocess.run(command, capture_output=True, text=True, cwd=data_dir)
        finally:
            server.terminate()
            server.wait()
        output = result.stdout + result.stderr
        tested = re.search(r"Tested: (\d+)", output)
        generated = re.search(r"(\d+) generated", output)
        print(f"{role}: {tested.group(1) if tested else '?'} operations, "
              f"{generated.group(1) if generated else '?'} test cases, exit {result.returncode}")
        if result.returncode != 0:
            print(output)
        return result.returncode == 0


def main():
    binary = sys.argv[1]
    max_examples = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    results = [fuzz(binary, role, max_examples) for role in ["owner", "org admin", "client user"]]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
