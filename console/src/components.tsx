import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { formatJson, type Problem } from './api.ts';
import { BASE, onLinkClick } from './router.ts';

export function Link(props: {
  readonly to: string;
  readonly children: ComponentChildren;
  readonly current?: boolean;
}) {
  return (
    <a
      href={`${BASE}${props.to}`}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => onLinkClick(event, props.to)}
    >
      {props.children}
    </a>
  );
}

/** A column heading read only by screen readers (a column of buttons, say). */
export interface HiddenHeading {
  readonly hidden: string;
}

/**
 * A data table in its scrolling wrapper: a caption (for screen readers only unless `showCaption`), one row
 * of column headings, then the rows given as children.
 */
export function Table(props: {
  readonly caption: string;
  readonly columns: ReadonlyArray<string | HiddenHeading>;
  readonly children: ComponentChildren;
  readonly showCaption?: boolean;
  readonly testId?: string;
}) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <caption class={props.showCaption ? undefined : 'visually-hidden'}>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) =>
              typeof column === 'string' ? (
                <th scope="col" key={column}>
                  {column}
                </th>
              ) : (
                <th scope="col" key={column.hidden}>
                  <span class="visually-hidden">{column.hidden}</span>
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

export function Loading(props: { readonly label?: string }) {
  return (
    <p class="loading" role="status">
      {props.label ?? 'Loading…'}
    </p>
  );
}

/** A problem document, readable: its title, detail, code, and each field error with where it points. */
export function ProblemView(props: { readonly problem: Problem | null | undefined }) {
  const problem = props.problem;
  if (!problem) return null;
  return (
    <div class="problem" role="alert">
      <strong>{problem.title ?? 'Error'}</strong>
      {problem.status ? <span class="muted"> ({problem.status})</span> : null}
      {problem.detail ? <p>{problem.detail}</p> : null}
      {problem.errors && problem.errors.length > 0 ? (
        <ul>
          {problem.errors.map((error) => (
            <li key={error.pointer + error.message}>
              <code>{error.pointer || '/'}</code>: {error.message}
            </li>
          ))}
        </ul>
      ) : null}
      {problem.code ? (
        <p class="muted">
          <code>{problem.code}</code>
          {problem.request_id ? <> · request {problem.request_id}</> : null}
        </p>
      ) : null}
    </div>
  );
}

export function Json(props: { readonly value: unknown; readonly label?: string }) {
  return (
    <figure class="json-block">
      <figcaption class="visually-hidden">{props.label ?? 'JSON'}</figcaption>
      <pre class="json">{formatJson(props.value)}</pre>
    </figure>
  );
}

export function CopyButton(props: { readonly text: string; readonly label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      onClick={async () => {
        await navigator.clipboard?.writeText(props.text).catch(() => undefined);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? 'Copied' : props.label}
    </button>
  );
}

export function StatusBadge(props: { readonly status: string }) {
  return <span class={`badge badge-${props.status}`}>{props.status}</span>;
}

export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
