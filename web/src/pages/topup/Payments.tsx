// Online top-up: what GET /api/user/topup/info enables (epay methods, Stripe, Creem packages),
// a clear message when nothing is. Payment endpoints answer {message: "success"|"error", data}
// without `success` (reference-management.md §1.1), so they go through payRequest, not api().
import { Alert, Badge, Button, Chip, Group, NumberInput, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconCreditCard, IconInfoCircle } from '@tabler/icons-react';
import i18next from 'i18next';
import { useEffect, useState } from 'react';
import { apiHeaders, handleUnauthorized } from '../../api/client';
import { useQuotaOptions } from '../../api/session';
import { InlineError } from '../../components/Page';
import { usePageStrings } from '../../lib/i18n';
import { displayKind } from '../../lib/quota';
import { S, type TopupInfo } from './strings';

interface PayAnswer<T> {
  message: string;
  data: T;
  url?: string;
}

export async function payRequest<T>(path: string, body: unknown): Promise<PayAnswer<T>> {
  let resp: Response;
  try {
    resp = await fetch(path, { method: 'POST', headers: apiHeaders(true), body: JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new Error(i18next.t('common:error.network'));
  }
  if (resp.status === 401) {
    handleUnauthorized();
    throw new Error(i18next.t('common:error.expired'));
  }
  const json = (await resp.json().catch(() => null)) as (PayAnswer<T> & { success?: boolean; error?: { message?: string } }) | null;
  if (json && json.message === 'success') return json;
  const detail = typeof json?.data === 'string' && json.data ? json.data : json?.error?.message || json?.message;
  throw new Error(detail || i18next.t('common:error.http', { status: resp.status, text: resp.statusText }));
}

/** Post the epay form in a new tab (the provider's checkout page). */
function submitForm(url: string, params: Record<string, string>) {
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = url;
  form.target = '_blank';
  for (const [k, v] of Object.entries(params)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = k;
    input.value = String(v);
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
  form.remove();
}

interface CreemProduct {
  productId: string;
  name: string;
  price: number;
  currency: string;
  quota: number;
}

function products(text?: string): CreemProduct[] {
  try {
    const v = JSON.parse(text || '[]') as unknown;
    return Array.isArray(v) ? (v as CreemProduct[]) : [];
  } catch {
    return [];
  }
}

export function Payments({ info, error, onRetry }: { info?: TopupInfo; error: string; onRetry: () => void }) {
  const { t } = usePageStrings('topup', S);
  const qo = useQuotaOptions();
  const tokens = displayKind(qo) === 'TOKENS';
  const [amount, setAmount] = useState<number>(0);
  const [price, setPrice] = useState('');
  const [busy, setBusy] = useState('');
  const [payError, setPayError] = useState('');
  const [opened, setOpened] = useState(false);
  const epay = !!info?.enable_online_topup;
  const stripe = !!info?.enable_stripe_topup;
  const creem = info?.enable_creem_topup ? products(info.creem_products) : [];
  const min = Math.max(Number(info?.min_topup) || 1, 1);
  const options = info?.amount_options ?? [];

  useEffect(() => {
    if (!amount && options.length) setAmount(options[0]);
  }, [options, amount]);

  // the price of the chosen amount (epay's rule; Stripe has its own preview)
  useEffect(() => {
    if (!epay && !stripe) return;
    if (!amount || amount < min) {
      setPrice('');
      return;
    }
    const path = epay ? '/api/user/amount' : '/api/user/stripe/amount';
    let live = true;
    const timer = setTimeout(() => {
      payRequest<string>(path, { amount })
        .then((r) => live && setPrice(String(r.data)))
        .catch((e: unknown) => live && setPayError(e instanceof Error ? e.message : String(e)));
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [amount, epay, stripe, min]);

  if (error) return <InlineError message={error} onRetry={onRetry} />;
  if (!info) return null;
  if (!epay && !stripe && creem.length === 0) {
    return (
      <Alert color="gray" icon={<IconInfoCircle />} role="status" data-testid="payments-off">
        {t('paymentsOff')}
      </Alert>
    );
  }

  const pay = async (method: string) => {
    if (method !== 'creem' && amount < min) return setPayError(t('belowMin', { min }));
    setBusy(method);
    setPayError('');
    setOpened(false);
    try {
      if (method === 'stripe') {
        const r = await payRequest<{ pay_link: string }>('/api/user/stripe/pay', { amount, payment_method: 'stripe' });
        window.open(r.data.pay_link, '_blank', 'noopener');
      } else {
        const r = await payRequest<Record<string, string>>('/api/user/pay', { amount, payment_method: method });
        if (r.url) submitForm(r.url, r.data);
      }
      setOpened(true);
    } catch (e) {
      setPayError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy('');
    }
  };

  const buy = async (p: CreemProduct) => {
    setBusy(p.productId);
    setPayError('');
    try {
      const r = await payRequest<{ checkout_url: string }>('/api/user/creem/pay', { product_id: p.productId, payment_method: 'creem' });
      window.open(r.data.checkout_url, '_blank', 'noopener');
      setOpened(true);
    } catch (e) {
      setPayError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy('');
    }
  };

  const unit = tokens ? t('tokensUnit') : 'USD';
  return (
    <Stack>
      <InlineError message={payError} />
      {opened && <Alert color="teal">{t('payOpened')}</Alert>}
      {(epay || stripe) && (
        <>
          {options.length > 0 && (
            <Chip.Group value={String(amount)} onChange={(v) => setAmount(Number(v))}>
              <Group gap="xs">
                {options.map((o) => {
                  const d = info.discount?.[String(o)];
                  return (
                    <Chip key={o} value={String(o)} variant="outline">
                      {o.toLocaleString('en-US')} {d && d < 1 ? <Badge size="xs" ml={4} color="orange">{t('discount', { off: Math.round((1 - d) * 100) })}</Badge> : null}
                    </Chip>
                  );
                })}
              </Group>
            </Chip.Group>
          )}
          <NumberInput
            label={t('amount', { unit })}
            description={t('amountHint', { min })}
            min={min}
            allowDecimal={false}
            value={amount}
            onChange={(v) => setAmount(Number(v) || 0)}
            w={{ base: '100%', xs: 260 }}
          />
          {price && <Text size="sm" fw={500}>{t('price', { price })}</Text>}
          <Group gap="xs">
            {epay && (info.pay_methods ?? []).map((m) => (
              <Button key={m.type} variant="light" leftSection={<IconCreditCard size={16} />} loading={busy === m.type} onClick={() => void pay(m.type)}>
                {t('payWith', { method: m.name })}
              </Button>
            ))}
            {stripe && (
              <Button variant="light" leftSection={<IconCreditCard size={16} />} loading={busy === 'stripe'} onClick={() => void pay('stripe')}>
                {t('payWith', { method: t('stripe') })}
              </Button>
            )}
          </Group>
        </>
      )}
      {creem.length > 0 && (
        <Stack gap="xs">
          <Title order={5}>{t('creemTitle')}</Title>
          <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
            {creem.map((p) => (
              <Paper key={p.productId} withBorder p="sm" radius="md">
                <Stack gap={4}>
                  <Text fw={600}>{p.name}</Text>
                  <Text size="sm" c="dimmed">{p.price} {p.currency}</Text>
                  <Button size="xs" loading={busy === p.productId} onClick={() => void buy(p)}>{t('creemBuy', { name: p.name })}</Button>
                </Stack>
              </Paper>
            ))}
          </SimpleGrid>
        </Stack>
      )}
    </Stack>
  );
}
