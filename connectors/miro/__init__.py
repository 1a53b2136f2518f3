"""Miro whiteboard connector and its REST API v2 sandbox."""
