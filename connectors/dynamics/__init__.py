"""Dynamics 365 / Dataverse: a CRM source (stages, touchpoints, metrics) and its sandbox emulator."""
