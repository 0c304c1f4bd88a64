"""Tests of the espota uploader package."""
