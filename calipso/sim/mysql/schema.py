"""The tables the MySQL channel creates: the nova, neutron and keystone tables Calipso reads.

Names, column names and types follow the real schemas of current releases (Nova's cell
database, Neutron, Keystone), trimmed to the columns a reader uses; foreign keys and
Neutron's `standardattributes` indirection are left out. Reserved words (`binary`, `load`,
`key`) are quoted as the real DDL quotes them.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMAS = ("nova", "neutron", "keystone")
_TIMES = (("created_at", "DATETIME NULL"), ("updated_at", "DATETIME NULL"),
          ("deleted_at", "DATETIME NULL"))


@dataclass(frozen=True, slots=True)
class Table:
    schema: str  # nova | neutron | keystone (before the prefix)
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL type and constraints)
    keys: tuple[str, ...] = ()  # PRIMARY KEY / UNIQUE KEY / KEY clauses

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def ddl(self, db: str) -> str:
        lines = [f"`{c}` {t}" for c, t in self.columns] + list(self.keys)
        return (f"CREATE TABLE `{db}`.`{self.name}` (\n  " + ",\n  ".join(lines)
                + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")

    def insert(self, db: str, verb: str = "INSERT") -> str:
        """`INSERT INTO db.t (cols) VALUES (%s, …)`, for parameterised statements."""
        marks = ", ".join(["%s"] * len(self.columns))
        return f"{self.insert_head(db, verb)} ({marks})"

    def insert_head(self, db: str, verb: str = "INSERT") -> str:
        cols = ", ".join(f"`{c}`" for c in self.column_names)
        return f"{verb} INTO `{db}`.`{self.name}` ({cols}) VALUES"


INSTANCES = Table("nova", "instances", (
    *_TIMES,
    ("id", "INT NOT NULL AUTO_INCREMENT"),
    ("user_id", "VARCHAR(255) NULL"), ("project_id", "VARCHAR(255) NULL"),
    ("image_ref", "VARCHAR(255) NULL"), ("kernel_id", "VARCHAR(255) NULL"),
    ("ramdisk_id", "VARCHAR(255) NULL"), ("launch_index", "INT NULL"),
    ("key_name", "VARCHAR(255) NULL"), ("power_state", "INT NULL"),
    ("vm_state", "VARCHAR(255) NULL"), ("memory_mb", "INT NULL"), ("vcpus", "INT NULL"),
    ("hostname", "VARCHAR(255) NULL"), ("host", "VARCHAR(255) NULL"),
    ("reservation_id", "VARCHAR(255) NULL"), ("launched_at", "DATETIME NULL"),
    ("terminated_at", "DATETIME NULL"), ("display_name", "VARCHAR(255) NULL"),
    ("display_description", "VARCHAR(255) NULL"), ("availability_zone", "VARCHAR(255) NULL"),
    ("locked", "TINYINT(1) NULL"), ("os_type", "VARCHAR(255) NULL"),
    ("launched_on", "MEDIUMTEXT NULL"), ("instance_type_id", "INT NULL"),
    ("vm_mode", "VARCHAR(255) NULL"), ("uuid", "VARCHAR(36) NOT NULL"),
    ("architecture", "VARCHAR(255) NULL"), ("root_device_name", "VARCHAR(255) NULL"),
    ("access_ip_v4", "VARCHAR(39) NULL"), ("access_ip_v6", "VARCHAR(39) NULL"),
    ("config_drive", "VARCHAR(255) NULL"), ("task_state", "VARCHAR(255) NULL"),
    ("progress", "INT NULL"), ("auto_disk_config", "TINYINT(1) NULL"),
    ("root_gb", "INT NULL"), ("ephemeral_gb", "INT NULL"), ("cell_name", "VARCHAR(255) NULL"),
    ("node", "VARCHAR(255) NULL"), ("deleted", "INT NULL"), ("cleaned", "INT NULL"),
    ("hidden", "TINYINT(1) NULL"), ("compute_id", "BIGINT NULL"),
), ("PRIMARY KEY (`id`)", "UNIQUE KEY `uniq_instances0uuid` (`uuid`)",
    "KEY `instances_host_deleted_cleaned_idx` (`host`, `deleted`, `cleaned`)",
    "KEY `instances_project_id_deleted_idx` (`project_id`, `deleted`)"))

INSTANCE_INFO_CACHES = Table("nova", "instance_info_caches", (
    *_TIMES,
    ("id", "INT NOT NULL AUTO_INCREMENT"), ("network_info", "MEDIUMTEXT NULL"),
    ("instance_uuid", "VARCHAR(36) NOT NULL"), ("deleted", "INT NULL"),
), ("PRIMARY KEY (`id`)",
    "UNIQUE KEY `uniq_instance_info_caches0instance_uuid` (`instance_uuid`)"))

COMPUTE_NODES = Table("nova", "compute_nodes", (
    *_TIMES,
    ("id", "INT NOT NULL AUTO_INCREMENT"), ("service_id", "INT NULL"),
    ("host", "VARCHAR(255) NULL"), ("vcpus", "INT NOT NULL"), ("memory_mb", "INT NOT NULL"),
    ("local_gb", "INT NOT NULL"), ("vcpus_used", "INT NOT NULL"),
    ("memory_mb_used", "INT NOT NULL"), ("local_gb_used", "INT NOT NULL"),
    ("hypervisor_type", "MEDIUMTEXT NOT NULL"), ("hypervisor_version", "INT NOT NULL"),
    ("cpu_info", "MEDIUMTEXT NOT NULL"), ("disk_available_least", "INT NULL"),
    ("free_ram_mb", "INT NULL"), ("free_disk_gb", "INT NULL"),
    ("current_workload", "INT NULL"), ("running_vms", "INT NULL"),
    ("hypervisor_hostname", "VARCHAR(255) NULL"), ("deleted", "INT NULL"),
    ("host_ip", "VARCHAR(39) NULL"), ("supported_instances", "TEXT NULL"),
    ("pci_stats", "TEXT NULL"), ("stats", "TEXT NULL"),
    ("cpu_allocation_ratio", "FLOAT NULL"), ("ram_allocation_ratio", "FLOAT NULL"),
    ("disk_allocation_ratio", "FLOAT NULL"), ("uuid", "VARCHAR(36) NULL"),
    ("mapped", "INT NULL"),
), ("PRIMARY KEY (`id`)", "UNIQUE KEY `compute_nodes_uuid_idx` (`uuid`)",
    "KEY `compute_nodes_hypervisor_hostname_idx` (`hypervisor_hostname`)"))

AGGREGATES = Table("nova", "aggregates", (
    *_TIMES,
    ("id", "INT NOT NULL AUTO_INCREMENT"), ("name", "VARCHAR(255) NULL"),
    ("deleted", "INT NULL"), ("uuid", "VARCHAR(36) NULL"),
), ("PRIMARY KEY (`id`)", "KEY `aggregate_uuid_idx` (`uuid`)"))

AGGREGATE_HOSTS = Table("nova", "aggregate_hosts", (
    *_TIMES,
    ("id", "INT NOT NULL AUTO_INCREMENT"), ("host", "VARCHAR(255) NULL"),
    ("aggregate_id", "INT NOT NULL"), ("deleted", "INT NULL"),
), ("PRIMARY KEY (`id`)",
    "UNIQUE KEY `uniq_aggregate_hosts0host0aggregate_id0deleted` "
    "(`host`, `aggregate_id`, `deleted`)"))

AGGREGATE_METADATA = Table("nova", "aggregate_metadata", (
    *_TIMES,
    ("id", "INT NOT NULL AUTO_INCREMENT"), ("aggregate_id", "INT NOT NULL"),
    ("key", "VARCHAR(255) NOT NULL"), ("value", "VARCHAR(255) NOT NULL"),
    ("deleted", "INT NULL"),
), ("PRIMARY KEY (`id`)", "KEY `aggregate_metadata_key_idx` (`key`)"))

AGENTS = Table("neutron", "agents", (
    ("id", "VARCHAR(36) NOT NULL"), ("agent_type", "VARCHAR(255) NOT NULL"),
    ("binary", "VARCHAR(255) NOT NULL"), ("topic", "VARCHAR(255) NOT NULL"),
    ("host", "VARCHAR(255) NOT NULL"), ("admin_state_up", "TINYINT(1) NOT NULL DEFAULT 1"),
    ("created_at", "DATETIME NOT NULL"), ("started_at", "DATETIME NOT NULL"),
    ("heartbeat_timestamp", "DATETIME NOT NULL"), ("description", "VARCHAR(255) NULL"),
    ("configurations", "VARCHAR(4095) NOT NULL"), ("load", "INT NOT NULL DEFAULT 0"),
    ("availability_zone", "VARCHAR(255) NULL"), ("resource_versions", "VARCHAR(8191) NULL"),
    ("resources_synced", "TINYINT(1) NULL"),
), ("PRIMARY KEY (`id`)", "UNIQUE KEY `uniq_agents0agent_type0host` (`agent_type`, `host`)"))

NETWORKS = Table("neutron", "networks", (
    ("project_id", "VARCHAR(255) NULL"), ("id", "VARCHAR(36) NOT NULL"),
    ("name", "VARCHAR(255) NULL"), ("status", "VARCHAR(16) NULL"),
    ("admin_state_up", "TINYINT(1) NULL"), ("vlan_transparent", "TINYINT(1) NULL"),
    ("mtu", "INT NOT NULL DEFAULT 1500"), ("availability_zone_hints", "VARCHAR(255) NULL"),
), ("PRIMARY KEY (`id`)", "KEY `ix_networks_project_id` (`project_id`)"))

NETWORK_SEGMENTS = Table("neutron", "networksegments", (
    ("id", "VARCHAR(36) NOT NULL"), ("network_id", "VARCHAR(36) NOT NULL"),
    ("network_type", "VARCHAR(32) NOT NULL"), ("physical_network", "VARCHAR(64) NULL"),
    ("segmentation_id", "INT NULL"), ("is_dynamic", "TINYINT(1) NOT NULL DEFAULT 0"),
    ("segment_index", "INT NOT NULL DEFAULT 0"), ("name", "VARCHAR(255) NULL"),
), ("PRIMARY KEY (`id`)", "KEY `network_id` (`network_id`)"))

EXTERNAL_NETWORKS = Table("neutron", "externalnetworks", (
    ("network_id", "VARCHAR(36) NOT NULL"), ("is_default", "TINYINT(1) NOT NULL DEFAULT 0"),
), ("PRIMARY KEY (`network_id`)",))

SUBNETS = Table("neutron", "subnets", (
    ("project_id", "VARCHAR(255) NULL"), ("id", "VARCHAR(36) NOT NULL"),
    ("name", "VARCHAR(255) NULL"), ("network_id", "VARCHAR(36) NOT NULL"),
    ("ip_version", "INT NOT NULL"), ("cidr", "VARCHAR(64) NOT NULL"),
    ("gateway_ip", "VARCHAR(64) NULL"), ("enable_dhcp", "TINYINT(1) NULL"),
    ("ipv6_ra_mode", "ENUM('slaac','dhcpv6-stateful','dhcpv6-stateless') NULL"),
    ("ipv6_address_mode", "ENUM('slaac','dhcpv6-stateful','dhcpv6-stateless') NULL"),
    ("subnetpool_id", "VARCHAR(36) NULL"), ("segment_id", "VARCHAR(36) NULL"),
), ("PRIMARY KEY (`id`)", "KEY `network_id` (`network_id`)"))

PORTS = Table("neutron", "ports", (
    ("project_id", "VARCHAR(255) NULL"), ("id", "VARCHAR(36) NOT NULL"),
    ("name", "VARCHAR(255) NULL"), ("network_id", "VARCHAR(36) NOT NULL"),
    ("mac_address", "VARCHAR(32) NOT NULL"), ("admin_state_up", "TINYINT(1) NOT NULL"),
    ("status", "VARCHAR(16) NOT NULL"), ("device_id", "VARCHAR(255) NOT NULL"),
    ("device_owner", "VARCHAR(255) NOT NULL"), ("ip_allocation", "VARCHAR(16) NULL"),
), ("PRIMARY KEY (`id`)",
    "UNIQUE KEY `uniq_ports0network_id0mac_address` (`network_id`, `mac_address`)",
    "KEY `ix_ports_device_id` (`device_id`)",
    "KEY `ix_ports_network_id_device_owner` (`network_id`, `device_owner`)"))

IP_ALLOCATIONS = Table("neutron", "ipallocations", (
    ("port_id", "VARCHAR(36) NULL"), ("ip_address", "VARCHAR(64) NOT NULL"),
    ("subnet_id", "VARCHAR(36) NOT NULL"), ("network_id", "VARCHAR(36) NOT NULL"),
), ("PRIMARY KEY (`ip_address`, `subnet_id`, `network_id`)", "KEY `port_id` (`port_id`)"))

PORT_BINDINGS = Table("neutron", "ml2_port_bindings", (
    ("port_id", "VARCHAR(36) NOT NULL"), ("host", "VARCHAR(255) NOT NULL DEFAULT ''"),
    ("vif_type", "VARCHAR(64) NOT NULL"), ("vnic_type", "VARCHAR(64) NOT NULL DEFAULT 'normal'"),
    ("profile", "VARCHAR(4095) NOT NULL DEFAULT ''"),
    ("vif_details", "VARCHAR(4095) NOT NULL DEFAULT ''"),
    ("status", "VARCHAR(16) NOT NULL DEFAULT 'ACTIVE'"),
), ("PRIMARY KEY (`port_id`, `host`)",))

ROUTERS = Table("neutron", "routers", (
    ("project_id", "VARCHAR(255) NULL"), ("id", "VARCHAR(36) NOT NULL"),
    ("name", "VARCHAR(255) NULL"), ("status", "VARCHAR(16) NULL"),
    ("admin_state_up", "TINYINT(1) NULL"), ("gw_port_id", "VARCHAR(36) NULL"),
    ("enable_snat", "TINYINT(1) NOT NULL DEFAULT 1"), ("flavor_id", "VARCHAR(36) NULL"),
), ("PRIMARY KEY (`id`)", "KEY `ix_routers_project_id` (`project_id`)"))

VXLAN_ENDPOINTS = Table("neutron", "ml2_vxlan_endpoints", (
    ("ip_address", "VARCHAR(64) NOT NULL"), ("udp_port", "INT NOT NULL"),
    ("host", "VARCHAR(255) NULL"),
), ("PRIMARY KEY (`ip_address`)", "UNIQUE KEY `unique_ml2_vxlan_endpoints0host` (`host`)"))

GRE_ENDPOINTS = Table("neutron", "ml2_gre_endpoints", (
    ("ip_address", "VARCHAR(64) NOT NULL"), ("host", "VARCHAR(255) NULL"),
), ("PRIMARY KEY (`ip_address`)", "UNIQUE KEY `unique_ml2_gre_endpoints0host` (`host`)"))

PROJECT = Table("keystone", "project", (
    ("id", "VARCHAR(64) NOT NULL"), ("name", "VARCHAR(64) NOT NULL"), ("extra", "TEXT NULL"),
    ("description", "TEXT NULL"), ("enabled", "TINYINT(1) NULL"),
    ("domain_id", "VARCHAR(64) NOT NULL"), ("parent_id", "VARCHAR(64) NULL"),
    ("is_domain", "TINYINT(1) NOT NULL DEFAULT 0"),
), ("PRIMARY KEY (`id`)", "UNIQUE KEY `ixu_project_name_domain_id` (`domain_id`, `name`)"))

TABLES = (INSTANCES, INSTANCE_INFO_CACHES, COMPUTE_NODES, AGGREGATES, AGGREGATE_HOSTS,
          AGGREGATE_METADATA, AGENTS, NETWORKS, NETWORK_SEGMENTS, EXTERNAL_NETWORKS, SUBNETS,
          PORTS, IP_ALLOCATIONS, PORT_BINDINGS, ROUTERS, VXLAN_ENDPOINTS, GRE_ENDPOINTS,
          PROJECT)
