"""Tests of firmware sources: manifests, versions, checks, actions, options."""
