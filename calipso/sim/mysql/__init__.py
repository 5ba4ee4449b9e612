"""The simulator's MySQL channel: nova, neutron and keystone rows in a real MariaDB."""

from calipso.sim.mysql.channel import MysqlChannel, open_mysql_channel, parse_mysql_uri
from calipso.sim.mysql.proxy import LatencyProxy, open_latency_proxy

__all__ = ["LatencyProxy", "MysqlChannel", "open_latency_proxy", "open_mysql_channel",
           "parse_mysql_uri"]
