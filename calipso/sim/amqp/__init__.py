"""The simulator's AMQP channel: Nova and Neutron notifications published to RabbitMQ."""

from calipso.sim.amqp.channel import AmqpChannel, open_amqp_channel

__all__ = ["AmqpChannel", "open_amqp_channel"]
