// The model-metadata page's strings (namespace "models"), English and Chinese.
export const S = {
  en: {
    title: 'Models',
    description: 'Descriptions, vendors, tags and endpoints of the models your channels serve; they show on the public pricing page.',
    tabModels: 'Models', tabVendors: 'Vendors',
    search: 'Search name, description or tags', vendorFilter: 'Filter by vendor', allVendors: 'All vendors', noVendor: 'No vendor',
    add: 'Add model', missing: 'Missing models', sync: 'Sync from upstream',
    colName: 'Model', colVendor: 'Vendor', colDescription: 'Description', colTags: 'Tags', colEndpoints: 'Endpoints', colChannels: 'Channels',
    colGroups: 'Groups', colBilling: 'Billing', colStatus: 'Status', colSync: 'Sync',
    perToken: 'Per token', perCall: 'Per call', unpriced: 'No price',
    rule0: 'Exact', rule1: 'Prefix', rule2: 'Contains', rule3: 'Suffix', matches: '{{count}} matches',
    enableModel: 'Enable {{name}}', disableModel: 'Disable {{name}}', editModel: 'Edit {{name}}', deleteModel: 'Delete {{name}}',
    confirmDelete: 'Delete the metadata of {{name}}? The model itself stays routable; only its description goes.',
    formCreate: 'Add a model', formEdit: 'Edit model', name: 'Model name', nameHint: 'As clients send it; with a rule, the part to match.',
    rule: 'Name rule', ruleHint: 'How the name matches the models your channels serve.', vendor: 'Vendor', descriptionLabel: 'Description',
    icon: 'Icon', iconHint: 'An icon name or URL, up to 128 characters.', tags: 'Tags', tagsHint: 'Type a tag and press Enter.',
    endpoints: 'Endpoints (JSON)', endpointsHint: 'e.g. {"openai": {"path": "/v1/chat/completions", "method": "POST"}}; empty: worked out from the channels.',
    badJson: 'Endpoints is not valid JSON: {{message}}', enabled: 'Enabled', syncOfficial: 'Follow the upstream catalogue', syncHint: 'Sync may update this entry.',
    saved: 'Saved.',
    missingTitle: 'Models without metadata', missingHint: 'Served by an enabled channel, with no entry here yet.', missingNone: 'Every served model has an entry.',
    addThis: 'Add {{name}}', addAll: 'Add all ({{count}})', addedAll: 'Added {{count}} model(s).',
    syncTitle: 'Sync from the upstream catalogue', locale: 'Language of the descriptions', preview: 'Preview', apply: 'Apply',
    syncNew: '{{count}} new model(s) will be created', syncNewNone: 'No new models upstream.', syncConflicts: 'Differences from upstream (tick the fields to overwrite)',
    syncConflictsNone: 'No differences on entries that follow the catalogue.', field: 'Field', local: 'Here', upstream: 'Upstream', overwrite: 'Overwrite {{field}} of {{name}}',
    syncDone: 'Created {{created}} model(s) and {{vendors}} vendor(s), updated {{updated}}.', source: 'Source: {{url}}',
    vName: 'Name', vDescription: 'Description', vIcon: 'Icon', vStatus: 'Status', vCreated: 'Created', addVendor: 'Add vendor',
    vSearch: 'Search vendors', vFormCreate: 'Add a vendor', vFormEdit: 'Edit vendor', editVendor: 'Edit vendor {{name}}', deleteVendor: 'Delete vendor {{name}}',
    vConfirmDelete: 'Delete vendor {{name}}? Its models keep their entries, without a vendor.',
  },
  zh: {
    title: '模型管理',
    description: '你的渠道所提供模型的描述、供应商、标签和端点；会显示在公开的模型价格页上。',
    tabModels: '模型', tabVendors: '供应商',
    search: '搜索名称、描述或标签', vendorFilter: '按供应商筛选', allVendors: '全部供应商', noVendor: '无供应商',
    add: '添加模型', missing: '缺失的模型', sync: '从上游同步',
    colName: '模型', colVendor: '供应商', colDescription: '描述', colTags: '标签', colEndpoints: '端点', colChannels: '渠道',
    colGroups: '分组', colBilling: '计费', colStatus: '状态', colSync: '同步',
    perToken: '按量', perCall: '按次', unpriced: '未定价',
    rule0: '精确', rule1: '前缀', rule2: '包含', rule3: '后缀', matches: '匹配 {{count}} 个',
    enableModel: '启用 {{name}}', disableModel: '禁用 {{name}}', editModel: '编辑 {{name}}', deleteModel: '删除 {{name}}',
    confirmDelete: '删除 {{name}} 的元数据？模型本身仍可路由，只删除其描述信息。',
    formCreate: '添加模型', formEdit: '编辑模型', name: '模型名称', nameHint: '与客户端发送的一致；使用规则时为要匹配的部分。',
    rule: '名称规则', ruleHint: '名称如何匹配渠道提供的模型。', vendor: '供应商', descriptionLabel: '描述',
    icon: '图标', iconHint: '图标名称或 URL，最多 128 个字符。', tags: '标签', tagsHint: '输入标签后回车。',
    endpoints: '端点（JSON）', endpointsHint: '例如 {"openai": {"path": "/v1/chat/completions", "method": "POST"}}；留空则根据渠道推断。',
    badJson: '端点不是有效的 JSON：{{message}}', enabled: '启用', syncOfficial: '跟随上游目录', syncHint: '同步时可能更新此条目。',
    saved: '已保存。',
    missingTitle: '没有元数据的模型', missingHint: '已由启用的渠道提供，但这里还没有条目。', missingNone: '所有已提供的模型都有条目。',
    addThis: '添加 {{name}}', addAll: '全部添加（{{count}}）', addedAll: '已添加 {{count}} 个模型。',
    syncTitle: '从上游目录同步', locale: '描述语言', preview: '预览', apply: '应用',
    syncNew: '将创建 {{count}} 个新模型', syncNewNone: '上游没有新模型。', syncConflicts: '与上游的差异（勾选要覆盖的字段）',
    syncConflictsNone: '跟随目录的条目没有差异。', field: '字段', local: '本地', upstream: '上游', overwrite: '覆盖 {{name}} 的 {{field}}',
    syncDone: '已创建 {{created}} 个模型和 {{vendors}} 个供应商，更新 {{updated}} 个。', source: '来源：{{url}}',
    vName: '名称', vDescription: '描述', vIcon: '图标', vStatus: '状态', vCreated: '创建时间', addVendor: '添加供应商',
    vSearch: '搜索供应商', vFormCreate: '添加供应商', vFormEdit: '编辑供应商', editVendor: '编辑供应商 {{name}}', deleteVendor: '删除供应商 {{name}}',
    vConfirmDelete: '删除供应商 {{name}}？其模型条目保留，但不再关联供应商。',
  },
};

export interface ModelMeta {
  id: number;
  model_name: string;
  description: string;
  icon: string;
  tags: string;
  vendor_id: number;
  endpoints: string;
  status: number;
  sync_official: number;
  name_rule: number;
  created_time: number;
  updated_time: number;
  bound_channels?: { name: string; type: number }[];
  enable_groups?: string[];
  quota_types?: number[];
  matched_models?: string[];
  matched_count?: number;
}

export interface Vendor {
  id: number;
  name: string;
  description: string;
  icon: string;
  status: number;
  created_time: number;
  updated_time: number;
}
