"""Talk to the demo's Home Assistant over its HTTP and websocket APIs.

Onboarding goes through the same endpoints the frontend's onboarding uses, so
Home Assistant itself creates the owner, hashes the password and marks every
step done.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import aiohttp

# Polling an HTTP endpoint of a starting Home Assistant: often enough to notice
# readiness at once, rarely enough to cost nothing.
POLL_INTERVAL: Final = 0.5


class HassApiError(RuntimeError):
    """Home Assistant answered something the demo did not expect."""


class HassApi:
    """A client for one Home Assistant at ``base_url``."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Use ``session`` for every request to ``base_url`` (no trailing slash)."""
        self._session = session
        self.base_url = base_url
        self.client_id = f"{base_url}/"
        self.token: str | None = None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def _post(self, path: str, payload: dict[str, Any]) -> Any:
        async with self._session.post(
            f"{self.base_url}{path}", json=payload, headers=self._headers()
        ) as response:
            if response.status >= 400:
                message = f"POST {path} answered {response.status}"
                raise HassApiError(message)
            return await response.json()

    async def wait_until_up(self) -> None:
        """Return once the onboarding API answers (the frontend is served)."""
        while True:
            try:
                async with self._session.get(
                    f"{self.base_url}/api/onboarding"
                ) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(POLL_INTERVAL)

    async def onboard(self, *, name: str, username: str, password: str) -> None:
        """Create the owner (the last onboarding step) and keep an access token."""
        created = await self._post(
            "/api/onboarding/users",
            {
                "client_id": self.client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": "en",
            },
        )
        async with self._session.post(
            f"{self.base_url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": created["auth_code"],
                "client_id": self.client_id,
            },
        ) as response:
            if response.status != 200:
                message = f"token exchange answered {response.status}"
                raise HassApiError(message)
            self.token = (await response.json())["access_token"]

    async def _ws_command(self, command: dict[str, Any]) -> Any:
        async with self._session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (await ws.receive_json()).get("type") != "auth_ok":
                message = "websocket authentication failed"
                raise HassApiError(message)
            await ws.send_json({"id": 1, **command})
            answer = await ws.receive_json()
            if not answer.get("success"):
                message = f"websocket {command['type']} failed"
                raise HassApiError(message)
            return answer["result"]

    async def wait_for_discovery(self, domain: str, unique_id: str) -> str:
        """Return the flow id of the discovery of ``unique_id``, once it exists."""
        while True:
            flows = await self._ws_command({"type": "config_entries/flow/progress"})
            for flow in flows:
                context = flow.get("context", {})
                if flow["handler"] == domain and context.get("unique_id") == unique_id:
                    return str(flow["flow_id"])
            await asyncio.sleep(POLL_INTERVAL)

    async def finish_flow(self, flow_id: str, answers: list[dict[str, Any]]) -> str:
        """Answer the flow's steps in order; return the created entry's id."""
        result: dict[str, Any] = {}
        for answer in answers:
            result = await self._post(
                f"/api/config/config_entries/flow/{flow_id}", answer
            )
            if result.get("type") == "create_entry":
                return str(result["result"]["entry_id"])
        message = f"flow ended with {result.get('type')}, not a new entry"
        raise HassApiError(message)

    async def enable_pull_server(self, entry_id: str) -> str:
        """Switch esp_ota's pull server on as a person would; return its URL.

        The options of the board ``entry_id`` → *Settings for all boards*:
        every field keeps its value except "Pull server", which gets ticked.
        The URL is the one the step shows (from Home Assistant's internal URL).
        """
        path = "/api/config/config_entries/options/flow"
        menu = await self._post(path, {"handler": entry_id})
        flow = f"{path}/{menu['flow_id']}"
        form = await self._post(flow, {"next_step_id": "settings"})
        if form.get("step_id") != "settings":
            message = f"options flow showed {form.get('step_id')}, not settings"
            raise HassApiError(message)
        answer = {
            field["name"]: field["default"]
            for field in form["data_schema"]
            if "default" in field
        }
        answer["pull_enabled"] = True
        url = str(form["description_placeholders"]["pull_url"])
        result = await self._post(flow, answer)
        if result.get("type") != "create_entry":
            message = f"options flow ended with {result.get('type')}"
            raise HassApiError(message)
        return url

    async def set_firmware_source(
        self, entry_id: str, url: str, expect: str = "staged"
    ) -> str:
        """Give the board ``entry_id`` a firmware source; return the check's result.

        The action returns when the source was checked; a result other than
        ``expect`` (usually: its newer version staged) is an error.
        """
        path = "/api/services/esp_ota/set_firmware_source?return_response"
        answer = await self._post(path, {"config_entry_id": entry_id, "url": url})
        result = str(answer.get("service_response", {}).get("result"))
        if result != expect:
            message = f"the demo's firmware source was not {expect}: {result}"
            raise HassApiError(message)
        return result
