"""HubSpot CRM-source connector: source keys, discovery, metrics, record cache, and a sandbox."""
