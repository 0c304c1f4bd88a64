"""Developer tooling for esp_ota (board emulator, image builders); not shipped to users."""
