"""Container health check: exit 0 when GET /healthz on this host answers 200 {"status": "ok"}.

Standard library only (the image's HEALTHCHECK runs it). The port is the one the gateway
listens on: CLAWROUTER_SERVER_PORT, CLAWROUTER_PORT or new-api's PORT, else 3000.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request


def main() -> int:
    port = next(
        (
            os.environ[name]
            for name in ("CLAWROUTER_SERVER_PORT", "CLAWROUTER_PORT", "PORT")
            if os.environ.get(name, "").strip()
        ),
        "3000",
    )
    url = f"http://127.0.0.1:{port.strip()}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as resp:
            ok = resp.status == 200 and json.load(resp).get("status") == "ok"
    except (OSError, ValueError) as e:
        print(f"unhealthy: {url}: {e}", file=sys.stderr)
        return 1
    if not ok:
        print(f"unhealthy: {url} did not answer {{'status': 'ok'}}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
