// A deliberately small Markdown subset for chat answers, built as React elements (never as
// HTML strings): ``` fenced code blocks, `inline code` and **bold**. Everything else is text.
import { Fragment, type ReactNode } from 'react';

function inline(text: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  const pattern = /(`[^`\n]+`|\*\*[^*\n]+\*\*)/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = pattern.exec(text)) !== null) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const token = m[0];
    if (token.startsWith('`')) out.push(<code key={`${key}-${i++}`}>{token.slice(1, -1)}</code>);
    else out.push(<strong key={`${key}-${i++}`}>{token.slice(2, -2)}</strong>);
    last = m.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function renderMarkdown(text: string): ReactNode {
  const parts = text.split(/```/);
  return parts.map((part, i) => {
    if (i % 2 === 1) {
      // a code block: drop the language tag on the first line
      const nl = part.indexOf('\n');
      const body = nl >= 0 && /^[\w+-]*$/.test(part.slice(0, nl).trim()) ? part.slice(nl + 1) : part;
      return (
        <pre key={i}>
          <code>{body.replace(/\n$/, '')}</code>
        </pre>
      );
    }
    return <Fragment key={i}>{inline(part, String(i))}</Fragment>;
  });
}
