"""Channel type numbers (compatible with new-api's `constant/channel.go`), their display names,
default base URLs and the wire protocol each speaks. Immutable data only; no behaviour.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

from clawrouter.wire.formats import Format

UNKNOWN = 0
OPENAI = 1
MIDJOURNEY = 2
AZURE = 3
OLLAMA = 4
MIDJOURNEY_PLUS = 5
OPENAI_MAX = 6
OHMYGPT = 7
CUSTOM = 8
AILS = 9
AIPROXY = 10
PALM = 11
API2GPT = 12
AIGC2D = 13
ANTHROPIC = 14
BAIDU = 15
ZHIPU = 16
ALI = 17
XUNFEI = 18
AI360 = 19
OPENROUTER = 20
AIPROXY_LIBRARY = 21
FASTGPT = 22
TENCENT = 23
GEMINI = 24
MOONSHOT = 25
ZHIPU_V4 = 26
PERPLEXITY = 27
LINGYIWANWU = 31
AWS = 33
COHERE = 34
MINIMAX = 35
SUNO = 36
DIFY = 37
JINA = 38
CLOUDFLARE = 39
SILICONFLOW = 40
VERTEX_AI = 41
MISTRAL = 42
DEEPSEEK = 43
MOKAAI = 44
VOLCENGINE = 45
BAIDU_V2 = 46
XINFERENCE = 47
XAI = 48
COZE = 49
KLING = 50
JIMENG = 51
VIDU = 52
SUBMODEL = 53
DOUBAO_VIDEO = 54
SORA = 55
REPLICATE = 56
CODEX = 57
ADVANCED_CUSTOM = 58
SUB2API = 59
NEWAPI = 60


class ChannelType(NamedTuple):
    name: str
    base_url: str  # default when the channel leaves base_url empty; "" = must be configured
    protocol: Format  # the wire format the type speaks upstream (OTHER: not spoken yet)


_O, _A, _G, _X = Format.OPENAI, Format.ANTHROPIC, Format.GEMINI, Format.OTHER

CHANNEL_TYPES: MappingProxyType[int, ChannelType] = MappingProxyType(
    {
        UNKNOWN: ChannelType("Unknown", "", _X),
        OPENAI: ChannelType("OpenAI", "https://api.openai.com", _O),
        MIDJOURNEY: ChannelType("Midjourney", "https://oa.api2d.net", _X),
        AZURE: ChannelType("Azure", "", _O),
        OLLAMA: ChannelType("Ollama", "http://localhost:11434", _O),
        MIDJOURNEY_PLUS: ChannelType("MidjourneyPlus", "https://api.openai-sb.com", _X),
        OPENAI_MAX: ChannelType("OpenAIMax", "https://api.openaimax.com", _O),
        OHMYGPT: ChannelType("OhMyGPT", "https://api.ohmygpt.com", _O),
        CUSTOM: ChannelType("Custom", "", _O),
        AILS: ChannelType("AILS", "https://api.caipacity.com", _O),
        AIPROXY: ChannelType("AIProxy", "https://api.aiproxy.io", _O),
        PALM: ChannelType("PaLM", "", _X),
        API2GPT: ChannelType("API2GPT", "https://api.api2gpt.com", _O),
        AIGC2D: ChannelType("AIGC2D", "https://api.aigc2d.com", _O),
        ANTHROPIC: ChannelType("Anthropic", "https://api.anthropic.com", _A),
        BAIDU: ChannelType("Baidu", "https://aip.baidubce.com", _X),
        ZHIPU: ChannelType("Zhipu", "https://open.bigmodel.cn", _X),
        ALI: ChannelType("Ali", "https://dashscope.aliyuncs.com", _O),
        XUNFEI: ChannelType("Xunfei", "", _X),
        AI360: ChannelType("360", "https://api.360.cn", _O),
        OPENROUTER: ChannelType("OpenRouter", "https://openrouter.ai/api", _O),
        AIPROXY_LIBRARY: ChannelType("AIProxyLibrary", "https://api.aiproxy.io", _X),
        FASTGPT: ChannelType("FastGPT", "https://fastgpt.run/api/openapi", _O),
        TENCENT: ChannelType("Tencent", "https://hunyuan.tencentcloudapi.com", _X),
        GEMINI: ChannelType("Gemini", "https://generativelanguage.googleapis.com", _G),
        MOONSHOT: ChannelType("Moonshot", "https://api.moonshot.cn", _O),
        ZHIPU_V4: ChannelType("ZhipuV4", "https://open.bigmodel.cn", _O),
        PERPLEXITY: ChannelType("Perplexity", "https://api.perplexity.ai", _O),
        LINGYIWANWU: ChannelType("LingYiWanWu", "https://api.lingyiwanwu.com", _O),
        AWS: ChannelType("AWS", "", _A),  # Bedrock: Anthropic Messages bodies, SigV4 auth
        COHERE: ChannelType("Cohere", "https://api.cohere.ai", _O),  # its OpenAI-compatibility API
        MINIMAX: ChannelType("MiniMax", "https://api.minimax.chat", _O),
        SUNO: ChannelType("SunoAPI", "", _X),
        DIFY: ChannelType("Dify", "https://api.dify.ai", _X),
        JINA: ChannelType("Jina", "https://api.jina.ai", _O),  # rerank, OpenAI-style embeddings
        CLOUDFLARE: ChannelType("Cloudflare", "https://api.cloudflare.com", _O),
        SILICONFLOW: ChannelType("SiliconFlow", "https://api.siliconflow.cn", _O),
        VERTEX_AI: ChannelType("VertexAI", "", _G),
        MISTRAL: ChannelType("Mistral", "https://api.mistral.ai", _O),
        DEEPSEEK: ChannelType("DeepSeek", "https://api.deepseek.com", _O),
        MOKAAI: ChannelType("MokaAI", "https://api.moka.ai", _X),
        VOLCENGINE: ChannelType("VolcEngine", "https://ark.cn-beijing.volces.com", _O),
        BAIDU_V2: ChannelType("BaiduV2", "https://qianfan.baidubce.com", _O),
        XINFERENCE: ChannelType("Xinference", "", _O),
        XAI: ChannelType("xAI", "https://api.x.ai", _O),
        COZE: ChannelType("Coze", "https://api.coze.cn", _X),
        KLING: ChannelType("Kling", "https://api.klingai.com", _X),
        JIMENG: ChannelType("Jimeng", "https://visual.volcengineapi.com", _X),
        VIDU: ChannelType("Vidu", "https://api.vidu.cn", _X),
        SUBMODEL: ChannelType("Submodel", "https://llm.submodel.ai", _O),
        DOUBAO_VIDEO: ChannelType("DoubaoVideo", "https://ark.cn-beijing.volces.com", _X),
        SORA: ChannelType("Sora", "https://api.openai.com", _X),
        REPLICATE: ChannelType("Replicate", "https://api.replicate.com", _X),
        CODEX: ChannelType("Codex", "https://chatgpt.com", _X),  # ChatGPT-subscription Responses
        ADVANCED_CUSTOM: ChannelType("AdvancedCustom", "", _X),
        SUB2API: ChannelType("Sub2API", "", _O),
        NEWAPI: ChannelType("NewAPI", "", _O),
    }
)

# Types whose upstream accepts `stream_options` (new-api `streamSupportedChannels`): streaming
# chat/completions requests to them get `stream_options: {include_usage: true}`; to any other type
# the field is removed.
STREAM_OPTIONS_TYPES: frozenset[int] = frozenset(
    {
        OPENAI,
        ANTHROPIC,
        AWS,
        GEMINI,
        CLOUDFLARE,
        AZURE,
        VOLCENGINE,
        OLLAMA,
        XAI,
        DEEPSEEK,
        BAIDU_V2,
        ZHIPU_V4,
        ALI,
        SUBMODEL,
        CODEX,
        MOONSHOT,
        MINIMAX,
        SILICONFLOW,
        ADVANCED_CUSTOM,
        SUB2API,
        NEWAPI,
        TENCENT,
    }
)


class SpecialBase(NamedTuple):
    anthropic: str
    openai: str  # already ends in the version segment: append "/chat/completions"


# "Coding plan" pseudo base URLs: a channel whose base_url is one of these keys is routed to the
# plan's endpoints (new-api `ChannelSpecialBases`).
SPECIAL_BASES: MappingProxyType[str, SpecialBase] = MappingProxyType(
    {
        "glm-coding-plan": SpecialBase(
            "https://open.bigmodel.cn/api/anthropic", "https://open.bigmodel.cn/api/coding/paas/v4"
        ),
        "glm-coding-plan-international": SpecialBase(
            "https://api.z.ai/api/anthropic", "https://api.z.ai/api/coding/paas/v4"
        ),
        "kimi-coding-plan": SpecialBase(
            "https://api.kimi.com/coding", "https://api.kimi.com/coding/v1"
        ),
        "doubao-coding-plan": SpecialBase(
            "https://ark.cn-beijing.volces.com/api/coding",
            "https://ark.cn-beijing.volces.com/api/coding/v3",
        ),
    }
)


def type_name(channel_type: int) -> str:
    info = CHANNEL_TYPES.get(channel_type)
    return info.name if info else "Unknown"


def default_base_url(channel_type: int) -> str:
    info = CHANNEL_TYPES.get(channel_type)
    return info.base_url if info else ""


def native_protocol(channel_type: int) -> Format:
    info = CHANNEL_TYPES.get(channel_type)
    return info.protocol if info else Format.OTHER
