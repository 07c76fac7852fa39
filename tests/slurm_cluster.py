"""A real single-node Slurm for the tests: munge, MariaDB + slurmdbd (so that `sacct`
works), slurmctld and slurmd, started by hand under one scratch folder and stopped by PID.

Facts behind it: ../shared/notes/slurm-single-node.md. Job steps strip SLURM_CONF, so the
configuration must be at /etc/slurm/slurm.conf: the cluster links it there (refusing to
replace a real file) and removes the link when it stops.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "mariadbd", "slurmdbd", "slurmctld", "slurmd", "sinfo", "sacct")
ETC = Path("/etc/slurm")
DB_PASSWORD = "snakemake-test"

SLURM_CONF = """\
ClusterName=testcluster
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_socket}
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=600
JobCompType=jobcomp/none
GresTypes=gpu
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStoragePass={munge_socket}
AccountingStorageTRES=gres/gpu
JobAcctGatherType=jobacct_gather/linux
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=8000 Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""

# One count-only GPU: training jobs ask for --gpus=1 as on a real cluster; TensorFlow
# finds no device behind it and trains on the CPU.
GRES_CONF = "NodeName=localhost Name=gpu File={root}/nvidia0\n"

SLURMDBD_CONF = """\
AuthType=auth/munge
AuthInfo=socket={munge_socket}
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=root
LogFile={root}/slurmdbd.log
PidFile={root}/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={db_port}
StorageUser=slurm
StoragePass={db_password}
StorageLoc=slurm_acct_db
"""


def missing() -> str | None:
    """Why a cluster cannot be started here, or None."""
    if os.geteuid() != 0:
        return "needs root (daemons, /etc/slurm)"
    absent = [d for d in DAEMONS if shutil.which(d) is None]
    if absent:
        return f"not installed: {', '.join(absent)} (apt-get install slurmctld slurmd ...)"
    if (ETC / "slurm.conf").exists() and not (ETC / "slurm.conf").is_symlink():
        return f"{ETC / 'slurm.conf'} is a real configuration; not replacing it"
    return None


class Cluster:
    def __init__(self, root: Path):
        self.root = root
        self.pids: list[tuple[str, int]] = []
        self.munge_socket = root / "munge" / "munge.socket"
        self.db_socket = root / "mysql.sock"
        self.db_port = 3306 + os.getpid() % 1000
        self.env = {**os.environ, "SLURM_CONF": str(root / "slurm.conf")}

    # -- helpers ---------------------------------------------------------------
    def run(self, *command: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, check=True, capture_output=True, text=True, env=self.env, timeout=120, **kwargs
        )

    def wait(self, test, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if test():
                return
            time.sleep(0.2)
        raise TimeoutError(f"slurm test cluster: {what} did not happen in {timeout} s")

    def daemon(self, name: str, pid_file: Path, *command: str) -> None:
        """Start a self-daemonizing program and remember its PID from its pid file."""
        self.run(*command)
        self.wait(lambda: pid_file.exists() and pid_file.read_text().strip(), f"{name} start")
        self.pids.append((name, int(pid_file.read_text().split()[0])))

    # -- bring-up --------------------------------------------------------------
    def start(self) -> Cluster:
        for sub in ("munge", "state", "spool", "db"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "munge", 0o711)  # munged refuses a socket folder without o+x
        self.start_munge()
        self.start_mariadb()
        self.write_configs()
        self.daemon("slurmdbd", self.root / "slurmdbd.pid", "slurmdbd")
        self.wait(self.dbd_listening, "slurmdbd listening")
        self.daemon("slurmctld", self.root / "slurmctld.pid", "slurmctld", "-c")
        self.daemon("slurmd", self.root / "slurmd.pid", "slurmd", "-N", "localhost")
        self.wait(lambda: self.run("sinfo", "-h", "-o", "%t").stdout.strip() == "idle", "node idle")
        return self

    def start_munge(self) -> None:
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        pid_file = self.root / "munge" / "munged.pid"
        self.daemon(
            "munged",
            pid_file,
            "munged",
            "--force",
            f"--key-file={key}",
            f"--socket={self.munge_socket}",
            f"--pid-file={pid_file}",
            f"--log-file={self.root / 'munge' / 'munged.log'}",
            f"--seed-file={self.root / 'munge' / 'munged.seed'}",
        )

    def start_mariadb(self) -> None:
        data = self.root / "db"
        self.run(
            "mariadb-install-db",
            "--user=root",
            f"--datadir={data}",
            "--auth-root-authentication-method=socket",
        )
        pid_file = self.root / "mariadbd.pid"
        log = open(self.root / "mariadbd.log", "w")  # the daemon keeps it open
        server = subprocess.Popen(
            [
                "mariadbd",
                "--user=root",
                f"--datadir={data}",
                f"--socket={self.db_socket}",
                f"--port={self.db_port}",
                "--bind-address=127.0.0.1",
                f"--pid-file={pid_file}",
                "--skip-grant-tables=0",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pids.append(("mariadbd", server.pid))
        self.wait(self.db_socket.exists, "mariadbd start")
        grants = "".join(
            f"CREATE USER IF NOT EXISTS 'slurm'@'{host}' IDENTIFIED BY '{DB_PASSWORD}';"
            f"GRANT ALL ON slurm_acct_db.* TO 'slurm'@'{host}';"
            for host in ("localhost", "127.0.0.1")
        )
        self.run(
            "mariadb",
            f"--socket={self.db_socket}",
            "-e",
            f"CREATE DATABASE IF NOT EXISTS slurm_acct_db;{grants}",
        )

    def write_configs(self) -> None:
        values = {
            "root": self.root,
            "munge_socket": self.munge_socket,
            "cpus": os.cpu_count(),
            "db_port": self.db_port,
            "db_password": DB_PASSWORD,
        }
        (self.root / "slurm.conf").write_text(SLURM_CONF.format(**values))
        (self.root / "gres.conf").write_text(GRES_CONF.format(**values))
        # A character device (1:3, what /dev/null is) where gres.conf wants a GPU's.
        os.mknod(self.root / "nvidia0", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        dbd = self.root / "slurmdbd.conf"
        dbd.write_text(SLURMDBD_CONF.format(**values))
        dbd.chmod(0o600)
        ETC.mkdir(exist_ok=True)
        for name in ("slurm.conf", "gres.conf", "slurmdbd.conf"):
            link = ETC / name
            if link.is_symlink():
                link.unlink()
            link.symlink_to(self.root / name)

    def dbd_listening(self) -> bool:
        return (
            subprocess.run(
                ["sacctmgr", "-n", "list", "cluster"], env=self.env, capture_output=True
            ).returncode
            == 0
        )

    # -- use and tear-down -----------------------------------------------------
    def sacct_states(self, job_ids: list[str]) -> dict[str, str]:
        out = self.run("sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", ",".join(job_ids))
        return dict(line.split("|") for line in out.stdout.split())

    def stop(self) -> None:
        for _name, pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        for name in ("slurm.conf", "gres.conf", "slurmdbd.conf"):
            link = ETC / name
            if link.is_symlink() and str(link.resolve()).startswith(str(self.root)):
                link.unlink()
