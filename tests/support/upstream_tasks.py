"""Fake rerank and video upstreams on 127.0.0.1, in each provider's wire format, recording every
request.

Rerank (`POST …/v1/rerank`), answer shape chosen by `style`:
  jina         {"model", "usage": {"total_tokens", "prompt_tokens"}, "results": [...]} (also what
               OpenAI-compatible rerank servers such as vLLM, Xinference or TEI gateways send)
  cohere       {"id", "results", "meta": {"api_version", "billed_units": {"search_units": 1}}}
               (Cohere bills search units: no token counts)
  siliconflow  {"id", "results", "meta": {"billed_units": {...tokens}, "tokens": {...}}}
Results: every document, scored 1/(1+index), highest first, cut at top_n; documents as
{"text": ...} when return_documents is true (Cohere never echoes them). Tokens = words of the
query and the documents. A model containing "fail-<status>" answers that status in the
provider's error shape.

Videos, OpenAI's Videos API (Sora): POST /v1/videos, GET /v1/videos/{id} (each GET moves the
video one step along its plan: queued -> in_progress 50 -> completed; a prompt containing
"fail-video" ends failed with an error; "never-done" stays in progress; "slow-submit" is
answered after 0.5 s), GET
/v1/videos/{id}/content (CONTENT_SIZE bytes of video/mp4 in chunks; with `content_gate` set,
the second half waits for it), POST /v1/videos/{id}/remix (a new video from a known one). The unified API of another gateway: POST
/v1/video/generations, GET /v1/video/generations/{id} ({"code": "success", "data": TaskDto}),
and the file at its result_url.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

CONTENT_SIZE = 300_000
CONTENT_CHUNK = 16_384
FAIL = re.compile(r"fail-(\d{3})")


def video_bytes(size: int = CONTENT_SIZE) -> bytes:
    return bytes((i * 7 + 3) % 251 for i in range(size))


def words(text: Any) -> int:
    if isinstance(text, dict):
        text = text.get("text", "")
    return len(str(text).split())


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    json: Any

    @property
    def api_key(self) -> str:
        return self.headers.get("Authorization", "").removeprefix("Bearer ")


class FakeTaskUpstream:
    def __init__(self, style: str = "jina") -> None:
        self.style = style
        self.requests: list[Seen] = []
        self.videos: dict[str, dict[str, Any]] = {}
        self.plans: dict[str, list[dict[str, Any]]] = {}
        self.content_gate: asyncio.Event | None = None
        self.content_sent = 0
        self.fetch_status = 200  # answer GET polls with this status instead (e.g. 500)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---- lifecycle -------------------------------------------------------------------------
    async def __aenter__(self) -> FakeTaskUpstream:
        app = web.Application()
        app.router.add_post("/v1/rerank", self.rerank)
        app.router.add_post("/v1/videos", self.create_video)
        app.router.add_get("/v1/videos/{id}", self.get_video)
        app.router.add_get("/v1/videos/{id}/content", self.video_content)
        app.router.add_post("/v1/videos/{id}/remix", self.remix_video)
        app.router.add_post("/v1/video/generations", self.create_generation)
        app.router.add_get("/v1/video/generations/{id}", self.get_generation)
        app.router.add_get("/files/{id}.mp4", self.video_content)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.content_gate is not None:
            self.content_gate.set()
        assert self._runner is not None
        await self._runner.cleanup()

    async def _record(self, request: web.Request) -> Seen:
        """JSON bodies parsed; a multipart body as a dict of its fields (a file as
        {"filename", "content_type", "data"})."""
        body: Any = None
        if request.content_type == "multipart/form-data":
            form = await request.post()
            body = {
                k: {"filename": v.filename, "content_type": v.content_type, "data": v.file.read()}
                if isinstance(v, web.FileField)
                else v
                for k, v in form.items()
            }
        elif request.can_read_body:
            body = await request.json()
        seen = Seen(request.method, request.path, dict(request.headers), body)
        self.requests.append(seen)
        return seen

    @property
    def last(self) -> Seen:
        return self.requests[-1]

    # ---- rerank ----------------------------------------------------------------------------
    def _error(self, status: int) -> web.Response:
        if self.style == "cohere":
            return web.json_response({"message": f"fake cohere error {status}"}, status=status)
        err = {"message": f"fake {self.style} error {status}", "type": "upstream_error"}
        return web.json_response({"error": err, "code": status}, status=status)

    async def rerank(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        body = seen.json
        failing = FAIL.search(str(body.get("model")))
        if failing:
            return self._error(int(failing.group(1)))
        docs = body["documents"]
        order = list(range(len(docs)))[: body.get("top_n") or len(docs)]
        with_docs = body.get("return_documents") is True and self.style != "cohere"
        results = []
        for i in order:
            item: dict[str, Any] = {"index": i, "relevance_score": round(1 / (1 + i), 6)}
            if with_docs:
                item["document"] = {"text": docs[i]}
            results.append(item)
        tokens = words(body["query"]) + sum(words(d) for d in docs)
        return web.json_response(self._rerank_answer(body, results, tokens))

    def _rerank_answer(self, body: dict, results: list, tokens: int) -> dict[str, Any]:
        rid = secrets.token_hex(8)
        if self.style == "cohere":
            meta = {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}}
            return {"id": rid, "results": results, "meta": meta}
        if self.style == "siliconflow":
            counts = {"input_tokens": tokens, "output_tokens": 0}
            billed = {**counts, "search_units": 0, "classifications": 0}
            return {
                "id": rid,
                "results": results,
                "meta": {"billed_units": billed, "tokens": counts},
            }
        usage = {"total_tokens": tokens, "prompt_tokens": tokens}
        return {"model": body["model"], "usage": usage, "results": results}

    # ---- videos (OpenAI) -------------------------------------------------------------------
    def _plan(self, prompt: str) -> list[dict[str, Any]]:
        if "never-done" in prompt:
            return [{"status": "in_progress", "progress": 10}]
        last: dict[str, Any] = {"status": "completed", "progress": 100}
        if "fail-video" in prompt:
            error = {"code": "moderation_blocked", "message": "the prompt was blocked"}
            last = {"status": "failed", "progress": 50, "error": error}
        return [{"status": "in_progress", "progress": 50}, last]

    async def create_video(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        body = seen.json
        failing = FAIL.search(str(body.get("model")))
        if failing:
            return self._error(int(failing.group(1)))
        if "slow-submit" in str(body.get("prompt")):
            await asyncio.sleep(0.5)
        vid = "video_" + secrets.token_hex(16)
        self.videos[vid] = {
            "id": vid, "object": "video", "model": body["model"], "status": "queued",
            "progress": 0, "created_at": int(time.time()), "completed_at": None,
            "expires_at": None, "error": None, "prompt": body.get("prompt"),
            "remixed_from_video_id": None, "seconds": str(body.get("seconds", "4")),
            "size": body.get("size", "720x1280"),
        }  # fmt: skip
        self.plans[vid] = self._plan(str(body.get("prompt")))
        return web.json_response(self.videos[vid])

    async def remix_video(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        origin = self.videos.get(request.match_info["id"])
        if origin is None:
            return self._error(404)
        vid = "video_" + secrets.token_hex(16)
        self.videos[vid] = {
            **origin, "id": vid, "status": "queued", "progress": 0, "completed_at": None,
            "prompt": seen.json.get("prompt"), "remixed_from_video_id": origin["id"],
        }  # fmt: skip
        self.plans[vid] = self._plan(str(seen.json.get("prompt")))
        return web.json_response(self.videos[vid])

    def advance(self, vid: str) -> dict[str, Any]:
        video = self.videos[vid]
        plan = self.plans[vid]
        if plan:
            step = plan.pop(0) if len(plan) > 1 else plan[0]
            video.update(step)
            if video["status"] == "completed":
                video["completed_at"] = int(time.time())
        return video

    async def get_video(self, request: web.Request) -> web.Response:
        await self._record(request)
        vid = request.match_info["id"]
        if self.fetch_status != 200:
            return self._error(self.fetch_status)
        if vid not in self.videos:
            return self._error(404)
        return web.json_response(self.advance(vid))

    async def video_content(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        data = video_bytes()
        resp = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        resp.content_length = len(data)
        await resp.prepare(request)
        half = len(data) // 2
        for start in range(0, len(data), CONTENT_CHUNK):
            if start >= half and self.content_gate is not None:
                await self.content_gate.wait()
            chunk = data[start : start + CONTENT_CHUNK]
            await resp.write(chunk)
            self.content_sent += len(chunk)
        await resp.write_eof()
        return resp

    # ---- the unified video API of another gateway ------------------------------------------
    async def create_generation(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        vid = "gen_" + secrets.token_hex(8)
        self.videos[vid] = {"task_id": vid, "status": "SUBMITTED", "progress": "0%"}
        self.plans[vid] = [
            {"status": "IN_PROGRESS", "progress": "40%"},
            {"status": "SUCCESS", "progress": "100%",
             "result_url": f"{self.base_url}/files/{vid}.mp4"},
        ]  # fmt: skip
        if "fail-video" in str(seen.json.get("prompt")):
            self.plans[vid][-1] = {"status": "FAILURE", "fail_reason": "upstream said no"}
        return web.json_response({"task_id": vid})

    async def get_generation(self, request: web.Request) -> web.Response:
        await self._record(request)
        vid = request.match_info["id"]
        if vid not in self.videos:
            return web.json_response(
                {"code": "task_not_exist", "message": "no", "data": None}, status=404
            )
        return web.json_response({"code": "success", "message": "", "data": self.advance(vid)})
