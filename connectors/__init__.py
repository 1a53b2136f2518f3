"""Built-in cjm-sync connectors (Miro; HubSpot and Dynamics 365 follow), each registered in the
``cjm_sync.connectors`` entry-point group like any third-party connector."""
