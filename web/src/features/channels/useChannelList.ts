// The channel list: GET /api/channel/ (paged, tag mode, status and type filters) or, when a
// keyword, model or group is given, GET /api/channel/search; both answer type_counts too.
import { useEffect, useRef, useState } from 'react';
import { api, type Query } from '../../api/client';
import type { Channel } from './model';

export interface ChannelFilters {
  keyword: string;
  model: string;
  group: string;
  status: '' | 'enabled' | 'disabled';
  type: string; // '' = every type
  idSort: boolean;
  tagMode: boolean;
}

interface Answer {
  items: Channel[];
  total: number;
  type_counts?: Record<string, number>;
}

export function useChannelList(filters: ChannelFilters) {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [items, setItems] = useState<Channel[]>([]);
  const [total, setTotal] = useState(0);
  const [typeCounts, setTypeCounts] = useState<Record<string, number>>({});
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(filters);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    setPage(1);
  }, [key]);

  useEffect(() => {
    const f = JSON.parse(key) as ChannelFilters;
    const searching = !!(f.keyword || f.model || f.group);
    const query: Query = {
      p: page, page_size: pageSize, id_sort: f.idSort || undefined, status: f.status, type: f.type,
      ...(searching ? { keyword: f.keyword, model: f.model, group: f.group } : { tag_mode: f.tagMode || undefined }),
    };
    const ctl = new AbortController();
    setLoading(true);
    api<Answer>(searching ? '/api/channel/search' : '/api/channel/', { query, signal: ctl.signal, inline: true })
      .then((d) => {
        setItems(d?.items ?? []);
        setTotal(d?.total ?? 0);
        setTypeCounts(d?.type_counts ?? {});
        setError('');
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [key, page, pageSize, tick]);

  return {
    items, total, typeCounts, loading, error, page, pageSize, setPage,
    setPageSize: (n: number) => {
      setPageSize(n);
      setPage(1);
    },
    reload: () => setTick((n) => n + 1),
  };
}
