// Deliberately small Markdown subsets built as React elements (never as HTML strings): for chat
// answers (renderMarkdown: ``` fenced code blocks, `inline code` and **bold**; everything else is
// text) and for documents such as notices and the home page (renderDocument, below).
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

const SAFE_HREF = /^(https?:\/\/|mailto:|\/(?!\/))/i;

/** Inline text of a document: `code`, **bold**, *italic* and [links](https://...) (http(s),
 * mailto and same-site paths only; anything else stays text). */
function richInline(text: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  const pattern = /(`[^`\n]+`|\*\*[^*\n]+\*\*|\*[^*\s][^*\n]*\*|\[[^\]\n]+\]\([^)\s]+\))/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = pattern.exec(text)) !== null) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const token = m[0];
    const k = `${key}-${i++}`;
    if (token.startsWith('`')) out.push(<code key={k}>{token.slice(1, -1)}</code>);
    else if (token.startsWith('**')) out.push(<strong key={k}>{token.slice(2, -2)}</strong>);
    else if (token.startsWith('*')) out.push(<em key={k}>{token.slice(1, -1)}</em>);
    else {
      const split = token.indexOf('](');
      const label = token.slice(1, split);
      const href = token.slice(split + 2, -1);
      out.push(SAFE_HREF.test(href) ? <a key={k} href={href} target={href.startsWith('/') ? undefined : '_blank'} rel="noopener noreferrer">{label}</a> : token);
    }
    last = m.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** A Markdown document (notices, the home page, announcements) as React elements, never as
 * HTML: headings (#), lists (-, *, 1.), quotes (>), fenced code, paragraphs, and the inline
 * forms above. HTML in the text is shown as text. */
export function renderDocument(text: string): ReactNode {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: ReactNode[] = [];
  let para: string[] = [];
  let list = null as { ordered: boolean; items: string[] } | null; // (set in flush, too)
  const flush = () => {
    const k = String(blocks.length);
    if (para.length) blocks.push(<p key={k}>{para.flatMap((l, i) => (i ? [<br key={`${k}-br${i}`} />, ...richInline(l, `${k}-${i}`)] : richInline(l, `${k}-${i}`)))}</p>);
    else if (list) {
      const items = list.items.map((it, i) => <li key={i}>{richInline(it, `${k}-${i}`)}</li>);
      blocks.push(list.ordered ? <ol key={k}>{items}</ol> : <ul key={k}>{items}</ul>);
    }
    para = [];
    list = null;
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (line.trimStart().startsWith('```')) {
      flush();
      const body: string[] = [];
      for (n++; n < lines.length && !lines[n].trimStart().startsWith('```'); n++) body.push(lines[n]);
      blocks.push(<pre key={blocks.length}><code>{body.join('\n')}</code></pre>);
    } else if (!line.trim()) flush();
    else if (heading) {
      flush();
      const Tag = `h${Math.min(heading[1].length + 1, 6)}` as 'h2';
      blocks.push(<Tag key={blocks.length}>{richInline(heading[2], String(blocks.length))}</Tag>);
    } else if (item) {
      const ordered = item[2] !== undefined;
      if (para.length || (list && list.ordered !== ordered)) flush();
      list = list ?? { ordered, items: [] };
      list.items.push(item[3]);
    } else if (line.startsWith('>')) {
      flush();
      blocks.push(<blockquote key={blocks.length}>{richInline(line.replace(/^>\s?/, ''), String(blocks.length))}</blockquote>);
    } else {
      if (list) flush();
      para.push(line);
    }
  }
  flush();
  return <>{blocks}</>;
}
