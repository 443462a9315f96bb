"""The local front: nginx on 127.0.0.1 in front of daphne processes, for `make scaleout` and the
scale-out tests.

It includes deploy/nginx/locations.conf as it is, the file the production server block includes
(deploy/nginx/accessible-support.conf, shown in docs/operations.md), so what the tests exercise
is what a deployment runs. Only what a laptop needs differs from production: plain HTTP on a
port of its own, the upstream ports given, static files from this checkout's var/static/, and
nginx's own files (pid, logs, temporary bodies) under a prefix directory.

    python tools/nginx_front.py --port 8000 --upstream 8001 8002   # nginx in the foreground
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "nginx"
LOCATIONS = DEPLOY / "locations.conf"
PRODUCTION = DEPLOY / "accessible-support.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def _common(prefix: Path) -> str:
    """What any nginx run from a prefix directory needs, production's `http` defaults aside."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
"""


def _http_defaults(prefix: Path) -> str:
    return f"""    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{
        text/html html;
        text/css css;
        text/javascript js mjs;
        application/json json;
        image/svg+xml svg;
        image/png png;
        image/x-icon ico;
        font/woff2 woff2;
        text/plain txt;
    }}
    default_type application/octet-stream;
"""


def render(port: int, upstreams: list[int], prefix: Path, static_root: Path) -> str:
    """nginx.conf of the local front."""
    servers = "".join(
        f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in upstreams
    )
    return (
        _common(prefix)
        + "http {\n"
        + _http_defaults(prefix)
        + f"""    upstream accessible_support {{
{servers}        keepalive 32;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        client_max_body_size 1m;
        set $forwarded_proto $scheme;
        location /static/ {{
            alias {static_root}/;
            expires 30d;
            add_header Cache-Control "public, immutable";
        }}
        include {LOCATIONS};
    }}
}}
"""
    )


def render_production_check(prefix: Path, certificate: Path, key: Path) -> str:
    """An nginx.conf that loads the production file as it is, with only the certificate and the
    include path pointed at files here: for `nginx -t`, which reads and checks everything but
    binds no port."""
    production = PRODUCTION.read_text()
    production = production.replace(
        "/etc/letsencrypt/live/support.example.jp/fullchain.pem", str(certificate)
    ).replace("/etc/letsencrypt/live/support.example.jp/privkey.pem", str(key))
    production = production.replace("/etc/nginx/accessible-support/locations.conf", str(LOCATIONS))
    return _common(prefix) + "http {\n" + _http_defaults(prefix) + production + "}\n"


def write(config: str, prefix: Path) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(config)
    return path


def command(prefix: Path, config: Path, *extra: str) -> list[str]:
    binary = nginx_binary()
    if binary is None:
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx)")
    # -e: errors before the configuration is read go there too, not to /var/log/nginx.
    return [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(config), *extra]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--upstream", type=int, nargs="+", default=[8001, 8002])
    parser.add_argument("--prefix", type=Path, default=ROOT / "var" / "nginx")
    parser.add_argument("--static-root", type=Path, default=ROOT / "var" / "static")
    args = parser.parse_args()
    prefix = args.prefix.resolve()
    config = write(render(args.port, args.upstream, prefix, args.static_root.resolve()), prefix)
    subprocess.run(command(prefix, config, "-t", "-q"), check=True)
    args = command(prefix, config, "-g", "daemon off;")
    os.execv(args[0], args)  # noqa: S606 (nginx in this process's place, for the caller's kill)


if __name__ == "__main__":
    main()
