"""Shared benchmark plumbing: servers on loopback, real sign-in, statistics, output."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DAPHNE = str(Path(sys.executable).with_name("daphne"))


def origin_of(url: str) -> str:
    """The Origin a page served by the socket's own server sends: its scheme, host and port
    (access_support/origin.py refuses any other)."""
    parts = urllib.parse.urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Scenario:
    """Where the servers keep their state."""

    name: str
    processes: int
    database_url: str
    redis_url: str | None

    def env(self, settings_module: str = "access_support.settings") -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            DJANGO_SETTINGS_MODULE=settings_module,
            DATABASE_URL=self.database_url,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        if self.name == "scaleout" and os.environ.get("BENCH_FRONT", "nginx") == "nginx":
            # Every server of the scenario, floors included, behind the documented front
            # (deploy/nginx/, tools/nginx_front.py), as `make scaleout` and production run them.
            env["BENCH_FRONT"] = "nginx"
        return env


def _schema_key() -> str:
    """Changes whenever a migration (or Django) changes: names the migrated template."""
    import django

    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(ROOT.glob("**/migrations/*.py")):
        if ".venv" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _psql(sql: str, check: bool = True) -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-tAqc", sql],
        check=check,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


@contextlib.contextmanager
def scenario(name: str) -> Iterator[Scenario]:
    """`embedded`: SQLite + in-memory layer, 1 process. `scaleout`: PostgreSQL + Redis, 2.
    Each run gets a fresh, migrated database, copied from a template migrated once per schema
    (var/bench-template-<key>.sqlite3; PostgreSQL database bench_template_<key>)."""
    key = _schema_key()
    if name == "embedded":
        template = ROOT / "var" / f"bench-template-{key}.sqlite3"
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            if not template.exists():
                template.parent.mkdir(exist_ok=True)
                draft = Path(tmp) / "template.sqlite3"
                migrate({**os.environ, "DATABASE_URL": f"sqlite:///{draft}"})
                shutil.copyfile(draft, template.with_suffix(".part"))
                template.with_suffix(".part").replace(template)
            shutil.copyfile(template, Path(tmp) / "bench.sqlite3")
            yield Scenario(name, 1, f"sqlite:///{tmp}/bench.sqlite3", None)
        return
    if name != "scaleout":
        raise SystemExit(f"unknown scenario {name!r}")
    template_db = f"bench_template_{key}"
    if not _psql(f"SELECT 1 FROM pg_database WHERE datname = '{template_db}'"):
        _psql(f"CREATE DATABASE {template_db}")
        try:
            migrate(
                {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{template_db}"}
            )
        except subprocess.CalledProcessError:
            _psql(f"DROP DATABASE IF EXISTS {template_db}", check=False)
            raise
    db = f"bench_{os.getpid()}"
    _psql(f"CREATE DATABASE {db} TEMPLATE {template_db}")
    try:
        yield Scenario(
            name, 2, f"postgres://postgres@127.0.0.1:5432/{db}", "redis://127.0.0.1:6379/5"
        )
    finally:
        _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", check=False)


def migrate(env: dict[str, str]) -> None:
    env = {**env, "DJANGO_SETTINGS_MODULE": "access_support.settings"}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def run_django(env: dict[str, str], code: str) -> Any:
    """Run `code` with Django set up in a child process; it prints one JSON value."""
    script = "import django, json; django.setup()\n" + code
    out = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@dataclass
class Servers:
    ports: list[int]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    front: str | None = None

    @property
    def bases(self) -> list[str]:
        """One base a process: the processes' own addresses, or the front's for each (nginx
        spreads the connections over the processes)."""
        if self.front:
            return [self.front for _ in self.ports]
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def rss_bytes(self) -> int:
        return sum(psutil.Process(p.pid).memory_info().rss for p in self.processes)


@contextlib.contextmanager
def daphne(
    env: dict[str, str], count: int, app: str = "access_support.asgi:application"
) -> Iterator[Servers]:
    servers = Servers([free_port() for _ in range(count)])
    for port in servers.ports:
        servers.processes.append(
            subprocess.Popen(
                [DAPHNE, "-b", "127.0.0.1", "-p", str(port), app],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    with contextlib.ExitStack() as stack:
        try:
            for port in servers.ports:
                wait_healthy(f"http://127.0.0.1:{port}")
            if env.get("BENCH_FRONT") == "nginx":
                servers.front = stack.enter_context(_nginx_front(servers.ports))
                wait_healthy(servers.front)
            yield servers
        finally:
            for process in servers.processes:
                process.terminate()
        for process in servers.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def _nginx_front(upstreams: list[int]) -> Iterator[str]:
    from tools import nginx_front

    if nginx_front.nginx_binary() is None:
        raise SystemExit("the scaleout scenario runs behind nginx: apt-get install nginx")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        prefix = Path(tmp)
        static = ROOT / "var" / "static"
        config = nginx_front.write(nginx_front.render(port, upstreams, prefix, static), prefix)
        process = subprocess.Popen(
            nginx_front.command(prefix, config, "-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"front: nginx on {port} before daphne {upstreams}", file=sys.stderr)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"server at {base} did not become healthy")
        time.sleep(0.2)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summarise_ms(latencies_s: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000 for v in latencies_s]
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"),
    }


def output(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="one JSON object per scenario")
    parser.add_argument("--scenario", choices=["embedded", "scaleout", "both"], default="both")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small run for CI (overrides the size options); exits 1 on a correctness failure",
    )
    return parser


def parse_sizes(description: str, **sizes: tuple[Any, ...]) -> argparse.Namespace:
    """The common options and a --NAME for each size, given as (type, default, value under
    --quick[, help])."""
    parser = base_parser(description)
    for name, (kind, default, _quick, *help_text) in sizes.items():
        parser.add_argument(
            f"--{name}", type=kind, default=default, help=next(iter(help_text), None)
        )
    args = parser.parse_args()
    if args.quick:
        for name, (_kind, _default, quick, *_help) in sizes.items():
            setattr(args, name, quick)
    return args


def finish(rows: list[dict[str, Any]], as_json: bool, failures: list[str]) -> None:
    """Print the rows; a correctness failure (lost message, double booking, refused socket,
    error answer) is named on stderr and the exit status is 1, so CI cannot pass over it."""
    output(rows, as_json)
    if failures:
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
        raise SystemExit(1)


def scenarios(choice: str) -> list[str]:
    return ["embedded", "scaleout"] if choice == "both" else [choice]


def run_scenarios(
    args: argparse.Namespace,
    run: Callable[[str], Coroutine[Any, Any, dict[str, Any]]],
    failure: Callable[[dict[str, Any]], str | None],
) -> None:
    """`run` in each chosen scenario (an event loop each), then `finish`: a row for which
    `failure` returns a message is a correctness failure."""
    rows = [asyncio.run(run(name)) for name in scenarios(args.scenario)]
    finish(rows, args.json, [message for row in rows if (message := failure(row))])


def scenario_floor_env(sc: Scenario) -> dict[str, str]:
    """The floor runs with the same channel layer as the scenario, and no database."""
    env = sc.env("bench.floor_settings")
    # The floor's handler takes the thread settings of the scenario's database.
    env["BENCH_FLOOR_VENDOR"] = "postgresql" if sc.database_url.startswith("postgres") else "sqlite"
    env.pop("DATABASE_URL", None)
    return env
