"""The seed's workload, as people usually run it: Flask behind gunicorn sync workers.

Serves the same JSON answer as the service's GET / so the benchmark compares like with like.
Run: gunicorn --workers 5 --bind 127.0.0.1:18082 --chdir bench/flask app:app
"""

import socket
import time

from flask import Flask, jsonify

app = Flask(__name__)
STARTED = time.monotonic()


@app.get("/")
def index():
    return jsonify(
        service="webapp",
        version="0.1.0",
        commit="unknown",
        pod=socket.gethostname(),
        namespace=None,
        uptime_seconds=time.monotonic() - STARTED,
    )
