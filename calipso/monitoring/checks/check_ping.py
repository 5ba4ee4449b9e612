#!/usr/bin/env python3
"""Sensu check: ICMP echo from this host (or from a network namespace) to an address.
Usage: check_ping.py -t DEST [-f SOURCE] [-c COUNT] [-i INTERVAL] [-s SIZE] [-n NETNS]
                     [-W LOSS%/AVG/MAX] [-C LOSS%/AVG/MAX]

An OTEP check pings the far tunnel endpoint from the local one (-f); an instance check
pings the instance from its DHCP namespace (-n). -W and -C are the warning and critical
thresholds: packet loss in percent, average and maximum round trip in ms (defaults
1%/300/600 and 10%/1000/2000). Exit 0, 1 or 2 by them; 2 when nothing answers.
Raw ICMP sockets (root), Python standard library only.
"""

import os
import select
import socket
import struct
import subprocess
import sys
import time


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping(dest: str, source: str | None, count: int, interval: float, size: int,
         timeout: float = 1.0) -> list[float | None]:
    """Round trips in ms, None for each lost packet."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    try:
        if source:
            sock.bind((source, 0))
        ident = os.getpid() & 0xFFFF
        out: list[float | None] = []
        for seq in range(1, count + 1):
            payload = bytes(size)
            header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident,
                                 seq) + payload
            sent = time.monotonic()
            sock.sendto(packet, (dest, 0))
            rtt = None
            while rtt is None:
                left = timeout - (time.monotonic() - sent)
                if left <= 0 or not select.select([sock], [], [], left)[0]:
                    break
                data, addr = sock.recvfrom(65535)
                ihl = (data[0] & 0x0F) * 4
                kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
                if kind == 0 and rid == ident and rseq == seq and addr[0] == dest:
                    rtt = (time.monotonic() - sent) * 1000
            out.append(rtt)
            if seq < count:
                time.sleep(interval)
        return out
    finally:
        sock.close()


def _limits(text: str) -> tuple[float, float, float]:
    loss, avg, top = text.split("/")
    return float(loss.rstrip("%")), float(avg), float(top)


def judge(rtts: list[float | None], warn: str, crit: str) -> tuple[int, str]:
    got = [r for r in rtts if r is not None]
    loss = 100.0 * (len(rtts) - len(got)) / len(rtts)
    if not got:
        return 2, f"{len(rtts)} packets transmitted, 0 received, 100% packet loss"
    avg, top = sum(got) / len(got), max(got)
    text = (f"{len(rtts)} packets transmitted, {len(got)} received, {loss:g}% packet loss, "
            f"rtt avg/max {avg:.3f}/{top:.3f} ms")
    for status, limit in ((2, crit), (1, warn)):
        lim_loss, lim_avg, lim_max = _limits(limit)
        if loss > lim_loss or avg > lim_avg or top > lim_max:
            return status, text
    return 0, text


def main(argv: list[str]) -> int:
    opts = {"-c": "5", "-i": "0.2", "-s": "56", "-W": "1%/300/600", "-C": "10%/1000/2000"}
    rest = []
    it = iter(argv)
    for arg in it:
        if arg in ("-t", "-f", "-c", "-i", "-s", "-n", "-W", "-C", "-p", "-w"):
            opts[arg] = next(it, "")
        else:
            rest.append(arg)
    if "-t" not in opts or rest:
        print(__doc__.splitlines()[1])
        return 3
    if opts.get("-n"):
        inner = [a for a in argv if a != "-n" and a != opts["-n"]]
        done = subprocess.run(["ip", "netns", "exec", opts["-n"], sys.executable,
                               os.path.abspath(__file__), *inner],
                              capture_output=True, text=True, timeout=60, check=False)
        print((done.stdout or done.stderr).strip() or "no answer")
        return done.returncode if done.returncode in (0, 1, 2) else 2
    try:
        rtts = ping(opts["-t"], opts.get("-f"), max(1, int(opts["-c"])), float(opts["-i"]),
                    int(opts["-s"]))
        status, text = judge(rtts, opts["-W"], opts["-C"])
    except (OSError, ValueError) as err:
        print(f"{opts['-t']}: {err}")
        return 2
    print(f"{opts['-t']}: {text}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
