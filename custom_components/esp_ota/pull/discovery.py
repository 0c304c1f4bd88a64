"""Offer unknown MACs as "a new board checked in", bounded; clear them on request.

Rules:

- An unknown MAC is offered (an integration discovery flow) whenever it checks
  in and no entry (also no ignored one) has it and no flow for it waits. So a
  MAC is offered again after its entry was deleted, its discovery aborted, or
  its ignore undone; an ignored MAC is not offered while ignored.
- At most ``MAX_DISCOVERY_FLOWS`` flows of this integration wait at once:
  hostile clients inventing MACs cannot flood the discovered list.
- A person clears waiting "new board checked in" discoveries with the
  ``esp_ota.clear_pull_discoveries`` action (the junk among them comes back
  only if it checks in again).
"""

from __future__ import annotations

import logging
from typing import Final

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers import discovery_flow, service

from custom_components.esp_ota.const import CONF_MAC, DOMAIN

from .protocol import CheckIn

_LOGGER = logging.getLogger(__name__)

MAX_DISCOVERY_FLOWS: Final = 16
SERVICE_CLEAR: Final = "clear_pull_discoveries"
PULL_CONFIRM_STEP: Final = "pull_confirm"


@callback
def async_offer(hass: HomeAssistant, check_in: CheckIn) -> None:
    """Start a "new board checked in" flow for an unknown MAC (bounded)."""
    mac = check_in.sta_mac
    if hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, mac):
        return  # configured, or ignored by a person
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    if len(flows) >= MAX_DISCOVERY_FLOWS:
        return
    if any(flow["context"].get("unique_id") == mac for flow in flows):
        return
    _LOGGER.debug("Unknown board %s checked in", mac)
    discovery_flow.async_create_flow(
        hass,
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={
            CONF_MAC: mac,
            "core": check_in.core.value,
            "version": check_in.version or "",
        },
    )


@callback
def async_clear(hass: HomeAssistant) -> int:
    """Abort every waiting "new board checked in" flow; return how many."""
    manager = hass.config_entries.flow
    cleared = 0
    for flow in manager.async_progress_by_handler(DOMAIN):
        if flow.get("step_id") == PULL_CONFIRM_STEP:
            manager.async_abort(flow["flow_id"])
            cleared += 1
    return cleared


async def _async_handle_clear(call: ServiceCall) -> None:
    """Clear the waiting pull discoveries (the action)."""
    _LOGGER.info("Cleared %s waiting pull discoveries", async_clear(call.hass))


@callback
def async_register_pull_services(hass: HomeAssistant) -> None:
    """Register the pull server's action: for administrators only."""
    service.async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_CLEAR,
        _async_handle_clear,
    )
