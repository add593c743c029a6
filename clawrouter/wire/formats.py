"""The relay's wire formats, endpoints, answer kinds and stream framings, as string enums.

The one place these names are defined: converters, provider adapters, channel types, the
pipeline and the routes import them from here. Every member is a `str` (StrEnum), so it
compares equal to, hashes like and serialises as its value ("openai", "chat", ...): JSON,
logs, options and stored rows see the same strings as before.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Format(StrEnum):
    """A wire format: the shape of a request, its answer and its stream, as a client sends it
    or an upstream speaks it (a channel type's native protocol is one of these)."""

    OPENAI = "openai"  # Chat Completions (/v1/chat/completions) and the OpenAI-compatible APIs
    ANTHROPIC = "anthropic"  # Anthropic Messages (/v1/messages)
    GEMINI = "gemini"  # Gemini :generateContent / :streamGenerateContent
    RESPONSES = "responses"  # OpenAI Responses (/v1/responses)
    OTHER = "other"  # a native API ClawRouter does not speak (yet); channel types only


@unique
class Endpoint(StrEnum):
    """What a relay request targets: what the client called and, after format conversion,
    what the upstream is asked for (a chat client on an Anthropic channel -> MESSAGES)."""

    CHAT = "chat"  # /v1/chat/completions
    COMPLETIONS = "completions"  # /v1/completions
    EMBEDDINGS = "embeddings"  # /v1/embeddings
    MODERATIONS = "moderations"  # /v1/moderations
    RESPONSES = "responses"  # /v1/responses
    MESSAGES = "messages"  # Anthropic /v1/messages
    GEMINI = "gemini"  # :generateContent / :streamGenerateContent
    GEMINI_EMBED = "gemini_embed"  # :embedContent / :batchEmbedContents
    MODELS = "models"  # model listing (channel tests, fetch_models)
    IMAGES = "images"  # /v1/images/generations
    IMAGE_EDITS = "image_edits"  # /v1/images/edits (multipart)
    SPEECH = "speech"  # /v1/audio/speech
    TRANSCRIPTIONS = "transcriptions"  # /v1/audio/transcriptions (multipart)
    TRANSLATIONS = "translations"  # /v1/audio/translations (multipart)
    RERANK = "rerank"  # /v1/rerank (Jina / Cohere / SiliconFlow / compatible)
    REALTIME = "realtime"  # GET /v1/realtime, a WebSocket session (RealtimeCapable adapters)


# Endpoints whose answer is passed through as bytes (audio, images, text formats) and metered.
MEDIA_ENDPOINTS = frozenset(
    {
        Endpoint.IMAGES,
        Endpoint.IMAGE_EDITS,
        Endpoint.SPEECH,
        Endpoint.TRANSCRIPTIONS,
        Endpoint.TRANSLATIONS,
    }
)


@unique
class Answer(StrEnum):
    """How an answer reaches the client; one module per kind in clawrouter.relay.answers."""

    JSON = "json"  # one JSON document
    SSE = "sse"  # server-sent events, relayed (and converted) event by event
    BINARY = "binary"  # bytes streamed through as they arrive (audio, images), metered
    RERANK = "rerank"  # a rerank document in any provider's shape, answered in one shape


@unique
class Framing(StrEnum):
    """How an upstream frames a stream; streams are always decoded to JSON events."""

    SSE = "sse"  # server-sent events
    EVENTSTREAM = "aws-eventstream"  # AWS binary event stream (Bedrock)
