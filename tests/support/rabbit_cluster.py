"""A RabbitMQ cluster of our own on this machine, for the cluster test and `bench/cluster.py`.

Three (or `size`) nodes of the distribution's `rabbitmq-server`, each with its own node name,
AMQP port, distribution port, data and log directories under a temporary folder, and one Erlang
cookie; clustered with `rabbitmqctl -n <node> join_cluster`. The machine's own broker
(`rabbit@<host>` on 5672) is never touched: every command names its node with `-n`, and every
node reads its own configuration files (`RABBITMQ_CONFIG_FILE`, `RABBITMQ_CONF_ENV_FILE`), not
/etc/rabbitmq.

    with RabbitCluster(tmp_path) as rabbits:
        rabbits.uri          # "amqp://guest:guest@127.0.0.1:p1//;amqp://…:p2//;…" (kombu failover)
        rabbits.stop(0)      # a whole node down (its Erlang VM stops)
        rabbits.start(0)     # back, rejoining the cluster
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Debian's /usr/sbin wrappers `su` to the rabbitmq user and drop our environment; the scripts
# under /usr/lib/rabbitmq/bin take it as given.
DEBIAN_BIN = Path("/usr/lib/rabbitmq/bin")


def tool(name: str) -> str | None:
    if (DEBIAN_BIN / name).exists():
        return str(DEBIAN_BIN / name)
    return shutil.which(name)


def available() -> bool:
    return all(tool(t) for t in ("rabbitmq-server", "rabbitmqctl", "rabbitmq-queues"))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, root: Path, name: str, cookie_home: Path):
        self.name = f"{name}@localhost"
        self.dir = root / name
        self.port, self.dist_port = _free_port(), _free_port()
        self.home = cookie_home
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            "disk_free_limit.absolute = 50MB\n"
            # Heartbeats every 10 s: a client notices a node that died without a word soon.
            "heartbeat = 10\n")
        (self.dir / "rabbitmq-env.conf").write_text("")
        (self.dir / "enabled_plugins").write_text("[].\n")
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RABBITMQ_")}
        env.update({
            "HOME": str(self.home),  # where the Erlang cookie is, for the node and the CLI
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_PID_FILE": str(self.dir / "pid"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.dir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
                "-kernel inet_dist_use_interface {127,0,0,1}",
        })
        return env

    def ctl(self, *args, tool_name: str = "rabbitmqctl", check: bool = True,
            timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([tool(tool_name), "-n", self.name, *args], env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=check)

    def start(self) -> None:
        log = open(self.dir / "server.out", "a")
        # In the foreground, as our child: its pid is the node's, and nothing outlives us.
        self.process = subprocess.Popen([tool("rabbitmq-server")], env=self.env(),
                                        stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def await_startup(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see "
                                   f"{self.dir / 'server.out'}")
            done = self.ctl("await_startup", "--timeout", "10", check=False, timeout=30)
            if done.returncode == 0:
                return
            if time.time() > deadline:
                raise RuntimeError(f"{self.name} did not start: {done.stderr[-500:]}")
            time.sleep(1)

    def stop(self, timeout: float = 60) -> None:
        """The whole node stops (its Erlang VM exits), as when a machine goes away."""
        if self.process is None or self.process.poll() is not None:
            return
        self.ctl("stop", check=False, timeout=timeout)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class RabbitCluster:
    def __init__(self, work: Path, size: int = 3, prefix: str | None = None):
        self.root = Path(work) / "rabbit"
        self.root.mkdir(parents=True, exist_ok=True)
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16).upper())
        cookie.chmod(0o400)
        prefix = prefix or f"titles-{secrets.token_hex(3)}"
        self.nodes = [Node(self.root, f"{prefix}-{i + 1}", home) for i in range(size)]

    @property
    def uri(self) -> str:
        """Every node, for kombu's failover (`;`-separated, tried round-robin)."""
        return ";".join(n.uri for n in self.nodes)

    def __enter__(self) -> "RabbitCluster":
        try:
            self.boot()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def boot(self) -> None:
        for node in self.nodes:
            node.start()
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda n: n.await_startup(), self.nodes))
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.name)
            node.ctl("start_app")
        self.wait_members(len(self.nodes))

    def running_nodes(self) -> list[str]:
        import json

        for node in self.nodes:
            if not node.running:
                continue
            done = node.ctl("cluster_status", "--formatter", "json", check=False, timeout=30)
            if done.returncode == 0:
                return sorted(json.loads(done.stdout).get("running_nodes", []))
        return []

    def wait_members(self, count: int, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while len(self.running_nodes()) < count:
            if time.time() > deadline:
                raise RuntimeError(f"cluster has {self.running_nodes()}, wanted {count} nodes")
            time.sleep(1)

    def stop(self, i: int, kill: bool = False) -> None:
        """Node `i` stops (`kill`: SIGKILL, no goodbye to its clients or peers)."""
        if kill:
            self.nodes[i].kill()
        else:
            self.nodes[i].stop()

    def start(self, i: int, timeout: float = 120) -> None:
        """Start node `i` again; returns once it runs and is a member of the cluster again."""
        node = self.nodes[i]
        node.start()
        node.await_startup(timeout)
        self.wait_members(sum(n.running for n in self.nodes), timeout)

    def wait_not_quorum_critical(self, i: int, timeout: float = 120) -> None:
        """Until stopping node `i` would leave every quorum queue a majority (its replicas on
        the other nodes caught up)."""
        deadline = time.time() + timeout
        while True:
            done = self.nodes[i].ctl("check_if_node_is_quorum_critical",
                                     tool_name="rabbitmq-queues", check=False, timeout=60)
            if done.returncode == 0:
                return
            if time.time() > deadline:
                raise RuntimeError(f"{self.nodes[i].name} stays quorum-critical: "
                                   f"{done.stdout[-500:]}{done.stderr[-500:]}")
            time.sleep(1)

    def close(self) -> None:
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda n: n.stop(timeout=30), self.nodes))
        for node in self.nodes:
            node.kill()
