"""Live events: Nova and Neutron notifications applied to inventory, links and cliques."""
