"""Transports: how an image reaches a push board (ArduinoOTA, web updater)."""
