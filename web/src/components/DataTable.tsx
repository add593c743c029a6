// The one table every list page uses: columns, optional row selection, sortable headers,
// pagination with a page-size picker, and loading / empty / error states in place.
import { Alert, Box, Center, Checkbox, Group, Loader, Pagination, Select, Table, Text, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PagedList } from '../api/hooks';

export interface Column<T> {
  key: string;
  title: ReactNode;
  render: (row: T) => ReactNode;
  /** a value to sort by; columns without one are not sortable */
  sortValue?: (row: T) => string | number;
  width?: number | string;
  align?: 'left' | 'right' | 'center';
}

export interface SortState {
  key: string;
  dir: 'asc' | 'desc';
}

export function sortRows<T>(rows: T[], columns: Column<T>[], sort: SortState | null): T[] {
  const col = sort && columns.find((c) => c.key === sort.key);
  if (!sort || !col?.sortValue) return rows;
  const value = col.sortValue;
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign;
  });
}

interface Props<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => number | string;
  loading?: boolean;
  error?: string;
  onRetry?: () => void;
  empty?: ReactNode;
  sort?: SortState | null;
  onSort?: (sort: SortState | null) => void;
  selected?: Set<number | string>;
  onSelect?: (next: Set<number | string>) => void;
  page?: number;
  pageSize?: number;
  total?: number;
  onPage?: (page: number) => void;
  onPageSize?: (size: number) => void;
  label: string;
}

/** A usePagedList list's state and paging, as DataTable props: `<DataTable {...listProps(list)} …/>`. */
export function listProps<T>(list: PagedList<T>) {
  return {
    loading: list.loading,
    error: list.error,
    onRetry: list.reload,
    page: list.page,
    pageSize: list.pageSize,
    total: list.total,
    onPage: list.setPage,
    onPageSize: list.setPageSize,
  };
}

const PAGE_SIZES = ['10', '20', '50', '100'];

export function DataTable<T>(props: Props<T>) {
  const { t } = useTranslation();
  const { columns, rows, rowKey, selected, onSelect, sort, onSort } = props;
  const keys = rows.map(rowKey);
  const allOn = keys.length > 0 && keys.every((k) => selected?.has(k));
  const someOn = keys.some((k) => selected?.has(k));

  const toggleAll = () => {
    if (!onSelect) return;
    const next = new Set(selected);
    keys.forEach((k) => (allOn ? next.delete(k) : next.add(k)));
    onSelect(next);
  };
  const toggle = (k: number | string) => {
    if (!onSelect) return;
    const next = new Set(selected);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    onSelect(next);
  };
  const cycleSort = (key: string) => {
    if (!onSort) return;
    if (!sort || sort.key !== key) onSort({ key, dir: 'asc' });
    else if (sort.dir === 'asc') onSort({ key, dir: 'desc' });
    else onSort(null);
  };

  const span = columns.length + (onSelect ? 1 : 0);
  let body: ReactNode;
  if (props.error) {
    body = (
      <Table.Tr>
        <Table.Td colSpan={span}>
          <Alert color="red" title={t('error.title')} role="alert">
            <Group justify="space-between" wrap="nowrap">
              <Text size="sm">{props.error}</Text>
              {props.onRetry && (
                <UnstyledButton onClick={props.onRetry} c="blue" fz="sm">
                  {t('action.retry')}
                </UnstyledButton>
              )}
            </Group>
          </Alert>
        </Table.Td>
      </Table.Tr>
    );
  } else if (props.loading && rows.length === 0) {
    body = (
      <Table.Tr>
        <Table.Td colSpan={span}>
          <Center py="xl" role="status">
            <Loader size="sm" mr="sm" />
            <Text c="dimmed">{t('table.loading')}</Text>
          </Center>
        </Table.Td>
      </Table.Tr>
    );
  } else if (rows.length === 0) {
    body = (
      <Table.Tr>
        <Table.Td colSpan={span}>
          <Center py="xl">
            <Text c="dimmed">{props.empty ?? t('table.empty')}</Text>
          </Center>
        </Table.Td>
      </Table.Tr>
    );
  } else {
    body = rows.map((row) => {
      const k = rowKey(row);
      return (
        <Table.Tr key={k} bg={selected?.has(k) ? 'var(--mantine-primary-color-light)' : undefined}>
          {onSelect && (
            <Table.Td w={40}>
              <Checkbox
                aria-label={t('table.selectRow', { id: k })}
                checked={selected?.has(k) ?? false}
                onChange={() => toggle(k)}
              />
            </Table.Td>
          )}
          {columns.map((c) => (
            <Table.Td key={c.key} ta={c.align}>
              {c.render(row)}
            </Table.Td>
          ))}
        </Table.Tr>
      );
    });
  }

  const total = props.total ?? rows.length;
  const pageSize = props.pageSize ?? 10;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <Box>
      <Table.ScrollContainer minWidth={720}>
        <Table striped highlightOnHover verticalSpacing="sm" aria-label={props.label} aria-busy={props.loading}>
          <Table.Thead>
            <Table.Tr>
              {onSelect && (
                <Table.Th w={40}>
                  <Checkbox
                    aria-label={t('table.selectAll')}
                    checked={allOn}
                    indeterminate={someOn && !allOn}
                    onChange={toggleAll}
                  />
                </Table.Th>
              )}
              {columns.map((c) => {
                const active = sort?.key === c.key;
                const ariaSort = active ? (sort?.dir === 'asc' ? 'ascending' : 'descending') : undefined;
                return (
                  <Table.Th key={c.key} w={c.width} ta={c.align} aria-sort={ariaSort}>
                    {c.sortValue && onSort ? (
                      <UnstyledButton
                        onClick={() => cycleSort(c.key)}
                        aria-label={t('table.sortBy', { column: typeof c.title === 'string' ? c.title : c.key })}
                        fw={600}
                        fz="sm"
                      >
                        <Group gap={4} wrap="nowrap">
                          {c.title}
                          {active ? (
                            sort?.dir === 'asc' ? <IconArrowUp size={14} /> : <IconArrowDown size={14} />
                          ) : (
                            <IconArrowsSort size={14} opacity={0.4} />
                          )}
                        </Group>
                      </UnstyledButton>
                    ) : (
                      c.title
                    )}
                  </Table.Th>
                );
              })}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>{body}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {props.onPage && (
        <Group justify="space-between" mt="md" gap="sm">
          <Group gap="xs">
            <Text size="sm" c="dimmed">
              {t('table.total', { count: total })}
            </Text>
            {props.onPageSize && (
              <Select
                aria-label={t('table.perPage')}
                data={PAGE_SIZES}
                value={String(pageSize)}
                onChange={(v) => v && props.onPageSize?.(Number(v))}
                w={84}
                size="xs"
                allowDeselect={false}
              />
            )}
          </Group>
          <Pagination total={pages} value={props.page ?? 1} onChange={props.onPage} size="sm" siblings={1} />
        </Group>
      )}
    </Box>
  );
}
