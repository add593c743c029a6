"""Channel type -> provider adapter: one table row per supported type. Adding a provider is
adding a row (types without a row are not supported yet and get None).
"""

from __future__ import annotations

from types import MappingProxyType

from clawrouter.relay.providers import channel_types as ct
from clawrouter.relay.providers.anthropic import AnthropicAdapter
from clawrouter.relay.providers.azure import AzureAdapter
from clawrouter.relay.providers.base import ProviderAdapter
from clawrouter.relay.providers.bedrock import BedrockAdapter
from clawrouter.relay.providers.cohere import CohereAdapter
from clawrouter.relay.providers.compat import (
    AliAdapter,
    BaiduV2Adapter,
    CloudflareAdapter,
    DeepSeekAdapter,
    MiniMaxAdapter,
    MoonshotAdapter,
    OllamaAdapter,
    OpenRouterAdapter,
    SiliconFlowAdapter,
    SubmodelAdapter,
    VolcEngineAdapter,
    XaiAdapter,
    ZhipuV4Adapter,
)
from clawrouter.relay.providers.custom import CustomAdapter
from clawrouter.relay.providers.gemini import GeminiAdapter
from clawrouter.relay.providers.jina import JinaAdapter
from clawrouter.relay.providers.openai import OpenAIAdapter
from clawrouter.relay.providers.strict import MistralAdapter, PerplexityAdapter
from clawrouter.relay.providers.vertex import VertexAdapter

_openai = OpenAIAdapter()  # adapters hold no state: one instance serves every channel

ADAPTERS: MappingProxyType[int, ProviderAdapter] = MappingProxyType(
    {
        ct.OPENAI: _openai,
        ct.AZURE: AzureAdapter(),
        ct.OLLAMA: OllamaAdapter(),
        ct.CUSTOM: CustomAdapter(),
        # Types new-api serves with its plain OpenAI adaptor (ChannelType2APIType fallback).
        ct.OPENAI_MAX: _openai,
        ct.OHMYGPT: _openai,
        ct.AILS: _openai,
        ct.AIPROXY: _openai,
        ct.API2GPT: _openai,
        ct.AIGC2D: _openai,
        ct.AI360: _openai,
        ct.FASTGPT: _openai,
        ct.LINGYIWANWU: _openai,
        ct.XINFERENCE: _openai,
        ct.SUB2API: _openai,
        ct.NEWAPI: _openai,
        # Compatible vendors with quirks.
        ct.ALI: AliAdapter(),
        ct.OPENROUTER: OpenRouterAdapter(),
        ct.MOONSHOT: MoonshotAdapter(),
        ct.ZHIPU_V4: ZhipuV4Adapter(),
        ct.PERPLEXITY: PerplexityAdapter(),
        ct.MINIMAX: MiniMaxAdapter(),
        ct.CLOUDFLARE: CloudflareAdapter(),
        ct.SILICONFLOW: SiliconFlowAdapter(),
        ct.MISTRAL: MistralAdapter(),
        ct.DEEPSEEK: DeepSeekAdapter(),
        ct.VOLCENGINE: VolcEngineAdapter(),
        ct.BAIDU_V2: BaiduV2Adapter(),
        ct.XAI: XaiAdapter(),
        ct.SUBMODEL: SubmodelAdapter(),
        # Native protocols.
        ct.ANTHROPIC: AnthropicAdapter(),
        ct.GEMINI: GeminiAdapter(),
        # Cloud platforms.
        ct.VERTEX_AI: VertexAdapter(),  # Gemini and Claude: protocol per model (protocol_for)
        ct.AWS: BedrockAdapter(),  # Claude on Bedrock: SigV4, event-stream answers
        ct.COHERE: CohereAdapter(),  # OpenAI-compatibility API
        ct.JINA: JinaAdapter(),  # rerank and embeddings
    }
)


def adapter_for(channel_type: int) -> ProviderAdapter | None:
    """The adapter serving a channel type, or None when ClawRouter cannot call it yet."""
    return ADAPTERS.get(channel_type)


def protocol_of(channel_type: int) -> str:
    """The wire protocol spoken upstream: the adapter's when one is registered, else the type's
    native protocol (which may be "other")."""
    adapter = ADAPTERS.get(channel_type)
    return adapter.protocol if adapter is not None else ct.native_protocol(channel_type)
