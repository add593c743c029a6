// The channel types: new-api's numbers, ClawRouter's names, default base URLs and the protocol
// each speaks upstream (a copy of clawrouter/relay/providers/channel_types.py, kept equal by
// tests/browser/test_channels_page.py), and what the form asks for each one.

export type Protocol = 'openai' | 'anthropic' | 'gemini' | 'other';

export interface ChannelTypeInfo {
  id: number;
  name: string;
  /** the default when base_url is empty; '' = the channel must name one */
  base: string;
  protocol: Protocol;
}

// prettier-ignore
export const CHANNEL_TYPES: ChannelTypeInfo[] = [
  { id: 1, name: 'OpenAI', base: 'https://api.openai.com', protocol: 'openai' },
  { id: 3, name: 'Azure', base: '', protocol: 'openai' },
  { id: 4, name: 'Ollama', base: 'http://localhost:11434', protocol: 'openai' },
  { id: 6, name: 'OpenAIMax', base: 'https://api.openaimax.com', protocol: 'openai' },
  { id: 7, name: 'OhMyGPT', base: 'https://api.ohmygpt.com', protocol: 'openai' },
  { id: 8, name: 'Custom', base: '', protocol: 'openai' },
  { id: 9, name: 'AILS', base: 'https://api.caipacity.com', protocol: 'openai' },
  { id: 10, name: 'AIProxy', base: 'https://api.aiproxy.io', protocol: 'openai' },
  { id: 12, name: 'API2GPT', base: 'https://api.api2gpt.com', protocol: 'openai' },
  { id: 13, name: 'AIGC2D', base: 'https://api.aigc2d.com', protocol: 'openai' },
  { id: 14, name: 'Anthropic', base: 'https://api.anthropic.com', protocol: 'anthropic' },
  { id: 17, name: 'Ali', base: 'https://dashscope.aliyuncs.com', protocol: 'openai' },
  { id: 19, name: '360', base: 'https://api.360.cn', protocol: 'openai' },
  { id: 20, name: 'OpenRouter', base: 'https://openrouter.ai/api', protocol: 'openai' },
  { id: 22, name: 'FastGPT', base: 'https://fastgpt.run/api/openapi', protocol: 'openai' },
  { id: 24, name: 'Gemini', base: 'https://generativelanguage.googleapis.com', protocol: 'gemini' },
  { id: 25, name: 'Moonshot', base: 'https://api.moonshot.cn', protocol: 'openai' },
  { id: 26, name: 'ZhipuV4', base: 'https://open.bigmodel.cn', protocol: 'openai' },
  { id: 27, name: 'Perplexity', base: 'https://api.perplexity.ai', protocol: 'openai' },
  { id: 31, name: 'LingYiWanWu', base: 'https://api.lingyiwanwu.com', protocol: 'openai' },
  { id: 33, name: 'AWS', base: '', protocol: 'anthropic' },
  { id: 34, name: 'Cohere', base: 'https://api.cohere.ai', protocol: 'openai' },
  { id: 35, name: 'MiniMax', base: 'https://api.minimax.chat', protocol: 'openai' },
  { id: 39, name: 'Cloudflare', base: 'https://api.cloudflare.com', protocol: 'openai' },
  { id: 40, name: 'SiliconFlow', base: 'https://api.siliconflow.cn', protocol: 'openai' },
  { id: 41, name: 'VertexAI', base: '', protocol: 'gemini' },
  { id: 42, name: 'Mistral', base: 'https://api.mistral.ai', protocol: 'openai' },
  { id: 43, name: 'DeepSeek', base: 'https://api.deepseek.com', protocol: 'openai' },
  { id: 45, name: 'VolcEngine', base: 'https://ark.cn-beijing.volces.com', protocol: 'openai' },
  { id: 46, name: 'BaiduV2', base: 'https://qianfan.baidubce.com', protocol: 'openai' },
  { id: 47, name: 'Xinference', base: '', protocol: 'openai' },
  { id: 48, name: 'xAI', base: 'https://api.x.ai', protocol: 'openai' },
  { id: 53, name: 'Submodel', base: 'https://llm.submodel.ai', protocol: 'openai' },
  { id: 59, name: 'Sub2API', base: '', protocol: 'openai' },
  { id: 60, name: 'NewAPI', base: '', protocol: 'openai' },
  // stored, but a request routed to them fails: "channel type N is not supported yet"
  { id: 0, name: 'Unknown', base: '', protocol: 'other' },
  { id: 2, name: 'Midjourney', base: 'https://oa.api2d.net', protocol: 'other' },
  { id: 5, name: 'MidjourneyPlus', base: 'https://api.openai-sb.com', protocol: 'other' },
  { id: 11, name: 'PaLM', base: '', protocol: 'other' },
  { id: 15, name: 'Baidu', base: 'https://aip.baidubce.com', protocol: 'other' },
  { id: 16, name: 'Zhipu', base: 'https://open.bigmodel.cn', protocol: 'other' },
  { id: 18, name: 'Xunfei', base: '', protocol: 'other' },
  { id: 21, name: 'AIProxyLibrary', base: 'https://api.aiproxy.io', protocol: 'other' },
  { id: 23, name: 'Tencent', base: 'https://hunyuan.tencentcloudapi.com', protocol: 'other' },
  { id: 36, name: 'SunoAPI', base: '', protocol: 'other' },
  { id: 37, name: 'Dify', base: 'https://api.dify.ai', protocol: 'other' },
  { id: 38, name: 'Jina', base: 'https://api.jina.ai', protocol: 'openai' },
  { id: 44, name: 'MokaAI', base: 'https://api.moka.ai', protocol: 'other' },
  { id: 49, name: 'Coze', base: 'https://api.coze.cn', protocol: 'other' },
  { id: 50, name: 'Kling', base: 'https://api.klingai.com', protocol: 'other' },
  { id: 51, name: 'Jimeng', base: 'https://visual.volcengineapi.com', protocol: 'other' },
  { id: 52, name: 'Vidu', base: 'https://api.vidu.cn', protocol: 'other' },
  { id: 54, name: 'DoubaoVideo', base: 'https://ark.cn-beijing.volces.com', protocol: 'other' },
  { id: 55, name: 'Sora', base: 'https://api.openai.com', protocol: 'other' },
  { id: 56, name: 'Replicate', base: 'https://api.replicate.com', protocol: 'other' },
  { id: 57, name: 'Codex', base: 'https://chatgpt.com', protocol: 'other' },
  { id: 58, name: 'AdvancedCustom', base: '', protocol: 'other' },
];

const BY_ID = new Map(CHANNEL_TYPES.map((t) => [t.id, t]));

export function channelType(id: number): ChannelTypeInfo {
  return BY_ID.get(id) ?? { id, name: `#${id}`, base: '', protocol: 'other' };
}

export const AZURE = 3;
export const OLLAMA = 4;
export const CUSTOM = 8;
export const ANTHROPIC = 14;
export const ALI = 17;
export const GEMINI = 24;
export const AWS = 33;
export const CLOUDFLARE = 39;
export const VERTEX_AI = 41;
export const OPENAI = 1;

/** Types whose balance the gateway can read (upstream_info.BALANCE_TYPES). */
export const BALANCE_TYPES = new Set([1, 8, 43, 20, 40, 25]);

/** "Coding plan" names a Moonshot, Zhipu v4 or VolcEngine channel may use as its base URL. */
export const CODING_PLANS: Record<number, string[]> = {
  25: ['kimi-coding-plan'],
  26: ['glm-coding-plan', 'glm-coding-plan-international'],
  45: ['doubao-coding-plan'],
};

export const AZURE_DEFAULT_VERSION = '2025-04-01-preview';
export const RESPONSES_MODES = ['auto', 'native', 'chat'] as const;

/** What the form asks in `other` for a type (a key of the strings' `other` section), if anything. */
export function otherField(type: number): 'azure' | 'gemini' | 'aws' | 'cloudflare' | 'ali' | 'vertex' | null {
  switch (type) {
    case AZURE: return 'azure';
    case GEMINI: return 'gemini';
    case AWS: return 'aws';
    case CLOUDFLARE: return 'cloudflare';
    case ALI: return 'ali';
    case VERTEX_AI: return 'vertex';
    default: return null;
  }
}

/** Types that need a base URL of their own (no default, and not built from a region). */
export function needsBaseUrl(type: number): boolean {
  const info = channelType(type);
  return info.base === '' && info.protocol !== 'other' && type !== AWS && type !== VERTEX_AI;
}
