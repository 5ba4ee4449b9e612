"""A real ML2/OVN chassis for parser tests: ``RealHost``'s userspace Open vSwitch plus
Debian's ``ovn-central`` (northbound and southbound ``ovsdb-server``, ``ovn-northd``) and
``ovn-host`` (``ovn-controller``), all with their sockets, pid files and logs in the
test's directory. ovn-controller registers the chassis from ``external_ids`` (``ovn-remote``
the southbound socket, Geneve on 127.0.0.1, a ``system-id``) and creates ``br-int``
(userspace datapath). Everything it started is stopped on exit, by the pids written.
``skip_reason()`` says what is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from real_host import RealHost, run
from real_host import skip_reason as ovs_skip_reason

OVN_TOOLS = ("ovn-nbctl", "ovn-sbctl", "ovn-northd", "ovn-controller")
OVN_SCHEMAS = (Path("/usr/share/ovn/ovn-nb.ovsschema"), Path("/usr/share/ovn/ovn-sb.ovsschema"))
DAEMONS = ("controller", "northd", "sbdb", "nbdb")  # stopped in this order


def skip_reason() -> str | None:
    reason = ovs_skip_reason()
    if reason is not None:
        return reason
    missing = [t for t in OVN_TOOLS if shutil.which(t) is None]
    missing += [str(s) for s in OVN_SCHEMAS if not s.exists()]
    if missing:
        return (f"OVN tools missing ({', '.join(missing)}); scripts/test installs ovn-central "
                "and ovn-host")
    return None


class RealOvn(RealHost):
    """``with RealOvn(tmp_path, "chassis-a") as ovn:``; ``ovn.nbctl(...)``, ``ovn.sbctl(...)``."""

    def __init__(self, workdir: Path, chassis: str) -> None:
        super().__init__(workdir)
        self.chassis = chassis
        self.env.append(f"OVN_RUNDIR={workdir}")

    def __enter__(self) -> RealOvn:
        super().__enter__()
        d = self.dir
        try:
            for name, schema in zip(("nb", "sb"), OVN_SCHEMAS, strict=True):
                run("ovsdb-tool", "create", str(d / f"{name}.db"), str(schema))
                run("ovsdb-server", str(d / f"{name}.db"), f"--remote=punix:{d / name}.sock",
                    f"--unixctl={d / name}db.ctl", f"--pidfile={d / name}db.pid",
                    f"--log-file={d / name}db.log", "--detach", "--no-chdir")
            self.sh("ovn-northd", f"--ovnnb-db=unix:{d / 'nb.sock'}",
                    f"--ovnsb-db=unix:{d / 'sb.sock'}", f"--pidfile={d / 'northd.pid'}",
                    f"--log-file={d / 'northd.log'}", "--detach", "--no-chdir")
            self.vsctl("set", "open", ".", f"external_ids:ovn-remote=unix:{d / 'sb.sock'}",
                       "external_ids:ovn-encap-type=geneve",
                       "external_ids:ovn-encap-ip=127.0.0.1",
                       f"external_ids:system-id={self.chassis}",
                       "external_ids:hostname=calipso-real-ovn",
                       "external_ids:ovn-bridge-datapath-type=netdev")
            self.sh("ovn-controller", self.db, f"--pidfile={d / 'controller.pid'}",
                    f"--log-file={d / 'controller.log'}", "--detach", "--no-chdir")
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for name in DAEMONS:
            self._stop(self.dir / f"{name}.pid")
        super().__exit__(*exc)

    def nbctl(self, *args: str) -> str:
        return run("ovn-nbctl", f"--db=unix:{self.dir / 'nb.sock'}", "--timeout=10", *args)

    def sbctl(self, *args: str) -> str:
        return run("ovn-sbctl", f"--db=unix:{self.dir / 'sb.sock'}", "--timeout=10", *args)

