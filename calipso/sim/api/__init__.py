"""The simulator's OpenStack API channel: Keystone, Nova and Neutron over HTTP (aiohttp),
each on its own loopback port, answering from a `Cloud` and changing it. See `site`."""

from calipso.sim.api.site import ApiChannel, open_api
from calipso.sim.api.state import ApiOptions

__all__ = ["ApiChannel", "ApiOptions", "open_api"]
