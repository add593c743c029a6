"""Video task adapters and the rerank answer's usage, pure: status words, billing ratios, the
upstream calls (JSON and rebuilt multipart), polls, and the usage of each rerank shape."""

from __future__ import annotations

import email.parser
import email.policy

import orjson
import pytest

from clawrouter.relay.answers.rerank import rerank_usage
from clawrouter.relay.providers import video
from clawrouter.relay.providers.base import ChannelView, UpstreamError
from clawrouter.wire.status import TaskStatus
from clawrouter.wire.usage import Usage

CH = ChannelView(id=1, type=55, name="sora", base_url="https://up.example/v1", key="sk-up")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("queued", TaskStatus.QUEUED), ("Pending", TaskStatus.QUEUED), ("in_progress", TaskStatus.IN_PROGRESS),
        ("RUNNING", TaskStatus.IN_PROGRESS), ("completed", TaskStatus.SUCCESS),
        ("succeeded", TaskStatus.SUCCESS), ("failed", TaskStatus.FAILURE), ("cancelled", TaskStatus.FAILURE),
        ("created", TaskStatus.QUEUED), ("mystery", TaskStatus.UNKNOWN), (None, TaskStatus.UNKNOWN),
    ],
)  # fmt: skip
def test_status_words(word, status):
    assert video.task_status(word) == status


@pytest.mark.parametrize(
    ("body", "ratios"),
    [
        ({}, {"seconds": 4.0, "size": 1.0}),
        ({"seconds": "8", "size": "1792x1024"}, {"seconds": 8.0, "size": 1.666667}),
        ({"seconds": 12, "size": "1024x1792"}, {"seconds": 12.0, "size": 1.666667}),
        ({"duration": 10, "size": "1280x720"}, {"seconds": 10.0, "size": 1.0}),
        ({"seconds": "x", "duration": "6"}, {"seconds": 6.0, "size": 1.0}),
    ],
)
def test_sora_billing_ratios(body, ratios):
    assert video.SoraAdapter().billing_ratios(body) == ratios
    assert video.GenericVideoAdapter().billing_ratios(body) == {}


def test_sora_submit_json_maps_model_and_duration():
    call = video.SoraAdapter().submit_call(
        {"model": "sora-2", "prompt": "p", "duration": 8, "group": "vip"}, "sora-2-x", CH
    )
    assert (call.method, call.url) == ("POST", "https://up.example/v1/videos")
    assert call.headers["Authorization"] == "Bearer sk-up"
    assert orjson.loads(call.body) == {"model": "sora-2-x", "prompt": "p", "seconds": "8"}


def test_sora_submit_multipart_keeps_file_bytes():
    image = bytes(range(256))
    files = [video.FilePart("input_reference", "ref.png", "image/png", image)]
    call = video.SoraAdapter().submit_call({"prompt": "animate", "seconds": "4"}, "m", CH, files)
    ctype = call.headers["Content-Type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    raw = f"Content-Type: {ctype}\r\n\r\n".encode() + call.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["prompt"].get_content() == "animate" and parts["model"].get_content() == "m"
    ref = parts["input_reference"]
    assert ref.get_filename() == "ref.png" and ref.get_content_type() == "image/png"
    assert ref.get_payload(decode=True) == image


def test_sora_poll_fetch_content_and_remix_calls():
    sora = video.SoraAdapter()
    assert sora.fetch_call("video_1", CH).url == "https://up.example/v1/videos/video_1"
    content = sora.content_call("video_1", {}, CH, {"variant": "thumbnail"})
    assert content.url == "https://up.example/v1/videos/video_1/content?variant=thumbnail"
    remix = sora.remix_call("video_1", {"prompt": "blue", "model": "x"}, CH)
    assert remix.url.endswith("/v1/videos/video_1/remix")
    assert orjson.loads(remix.body) == {"prompt": "blue"}
    failed = {"status": "failed", "progress": 30, "error": {"code": "c", "message": "no"}}
    poll = sora.parse_poll(200, orjson.dumps(failed))
    assert (poll.status, poll.progress, poll.fail_reason) == (TaskStatus.FAILURE, "30%", "no")
    done = sora.parse_poll(200, b'{"status": "completed", "progress": 100}')
    assert (done.status, done.progress) == (TaskStatus.SUCCESS, "100%")


def test_generic_submit_and_poll():
    generic = video.GenericVideoAdapter()
    assert generic.parse_submit(200, b'{"task_id": "gen_1"}') == ("gen_1", {"task_id": "gen_1"})
    wrapped = {"code": "success", "data": {"task_id": "gen_1", "status": "SUCCESS",
               "result_url": "https://cdn.example/v.mp4"}}  # fmt: skip
    poll = generic.parse_poll(200, orjson.dumps(wrapped))
    assert (poll.status, poll.result_url) == (TaskStatus.SUCCESS, "https://cdn.example/v.mp4")
    assert generic.content_call("gen_1", poll.data, CH, {}).url == "https://cdn.example/v.mp4"
    assert generic.content_call("gen_1", {"result_url": "file:///etc"}, CH, {}) is None
    with pytest.raises(UpstreamError) as no_id:
        generic.parse_submit(200, b'{"status": "ok"}')
    assert no_id.value.code == "invalid_response"


@pytest.mark.parametrize(
    ("answer", "usage"),
    [
        ({"usage": {"total_tokens": 12, "prompt_tokens": 12}}, Usage(prompt_tokens=12)),
        ({"usage": {"prompt_tokens": 5, "completion_tokens": 2}}, Usage(prompt_tokens=7)),
        ({"meta": {"billed_units": {"input_tokens": 9, "output_tokens": 1}}}, Usage(9, 1)),
        ({"meta": {"tokens": {"input_tokens": 4, "output_tokens": 0}}}, Usage(prompt_tokens=4)),
        ({"meta": {"billed_units": {"search_units": 1}}}, None),
        ({"usage": {"total_tokens": 0}}, None),
        ({}, None),
    ],
)
def test_rerank_usage_of_each_shape(answer, usage):
    assert rerank_usage({"results": [], **answer}) == usage
