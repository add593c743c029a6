// Data hooks on top of the API client: one request (useRequest) and a paged, searchable list
// (usePagedList). Errors are kept for the page to show in place (inline), never dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Page, type Query } from './client';

export interface RequestState<T> {
  data: T | undefined;
  loading: boolean;
  error: string;
  reload: () => void;
}

/** GET `path` (re-run when `path` or `query` change); `path` null skips the call. */
export function useRequest<T>(path: string | null, query?: Query): RequestState<T> {
  const [data, setData] = useState<T>();
  const [loading, setLoading] = useState(path !== null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(query ?? {});
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setLoading(true);
    api<T>(path, { query: JSON.parse(key) as Query, signal: ctl.signal, inline: true })
      .then((d) => {
        setData(d);
        setError('');
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [path, key, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, loading, error, reload };
}

export interface PagedList<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  loading: boolean;
  error: string;
  setPage: (p: number) => void;
  setPageSize: (n: number) => void;
  reload: () => void;
}

/**
 * A paged list: `listPath` when no search is active, `searchPath` with the search query when
 * one is. `pageParam` is the page-size parameter the endpoint reads (page_size or size).
 */
export function usePagedList<T>(opts: {
  listPath: string;
  searchPath?: string;
  search?: Query; // non-empty values switch to searchPath
  filters?: Query; // sent on both paths
  pageSizeParam?: string;
  initialPageSize?: number;
}): PagedList<T> {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(opts.initialPageSize ?? 10);
  const [items, setItems] = useState<T[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const searchKey = JSON.stringify(opts.search ?? {});
  const filterKey = JSON.stringify(opts.filters ?? {});
  const firstRun = useRef(true);

  // a new search or filter starts again at page 1
  useEffect(() => {
    if (firstRun.current) {
      firstRun.current = false;
      return;
    }
    setPage(1);
  }, [searchKey, filterKey]);

  useEffect(() => {
    const ctl = new AbortController();
    const search = JSON.parse(searchKey) as Query;
    const searching = Object.values(search).some((v) => v !== '' && v != null);
    const path = searching && opts.searchPath ? opts.searchPath : opts.listPath;
    const query: Query = {
      ...(JSON.parse(filterKey) as Query),
      ...(searching ? search : {}),
      p: page,
      [opts.pageSizeParam ?? 'page_size']: pageSize,
    };
    setLoading(true);
    api<Page<T> | T[]>(path, { query, signal: ctl.signal, inline: true })
      .then((d) => {
        const list = Array.isArray(d) ? d : (d?.items ?? []);
        setItems(list);
        setTotal(Array.isArray(d) ? list.length : (d?.total ?? list.length));
        setError('');
      })
      .catch((e: unknown) => {
        if (!ctl.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opts.listPath, opts.searchPath, searchKey, filterKey, page, pageSize, tick]);

  return {
    items,
    total,
    page,
    pageSize,
    loading,
    error,
    setPage,
    setPageSize: (n: number) => {
      setPageSize(n);
      setPage(1);
    },
    reload: () => setTick((n) => n + 1),
  };
}
