// Documents: collections, uploads with progress, each document's ingestion status, and a search tester that
// shows where each result ranked lexically, by vector, and fused (hybrid).
import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.ts';
import { asProblem, authHeaders, keel, type Problem } from '../api.ts';
import { formatTime, Loading, ProblemView, StatusBadge, Table } from '../components.tsx';

type Collection = components['schemas']['Collection'];
type DocumentRecord = components['schemas']['Document'];
type SearchResponse = components['schemas']['SearchResponse'];

export function Documents() {
  const [collections, setCollections] = useState<Collection[] | null>(null);
  const [selected, setSelected] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [name, setName] = useState('');

  const load = async () => {
    const { data, error } = await keel().GET('/v1/collections', { params: { query: { limit: 100 } } });
    if (data) {
      setCollections(data.items);
      setSelected((current) => current || data.items[0]?.id || '');
    } else setProblem(asProblem(error));
  };
  useEffect(() => {
    void load();
  }, []);

  const create = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await keel().POST('/v1/collections', { body: { name } });
    setProblem(error ? asProblem(error) : null);
    if (data) {
      setName('');
      setSelected(data.id);
      await load();
    }
  };

  return (
    <section aria-labelledby="documents-title">
      <h1 id="documents-title">Documents</h1>
      <ProblemView problem={problem} />
      <div class="row">
        <form class="panel" onSubmit={create}>
          <div class="field">
            <label for="collection-name">New collection</label>
            <input
              id="collection-name"
              required
              maxLength={128}
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          </div>
          <button type="submit">Create collection</button>
        </form>
        <div class="panel">
          <div class="field">
            <label for="collection">Collection</label>
            {collections === null ? (
              <Loading />
            ) : (
              <select
                id="collection"
                value={selected}
                onChange={(event) => setSelected(event.currentTarget.value)}
              >
                {collections.length === 0 ? <option value="">No collections yet</option> : null}
                {collections.map((collection) => (
                  <option key={collection.id} value={collection.id}>
                    {collection.name}
                  </option>
                ))}
              </select>
            )}
          </div>
        </div>
      </div>
      {selected ? <CollectionDocuments key={selected} collectionId={selected} /> : null}
    </section>
  );
}

function CollectionDocuments(props: { readonly collectionId: string }) {
  const [documents, setDocuments] = useState<DocumentRecord[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const { data, error } = await keel().GET('/v1/collections/{collectionId}/documents', {
        params: { path: { collectionId: props.collectionId }, query: { limit: 100 } },
      });
      if (stopped) return;
      if (data) {
        setDocuments(data.items);
        // Poll while something is still being ingested.
        if (data.items.some((document) => document.status === 'queued' || document.status === 'processing'))
          timer = setTimeout(load, 1000);
      } else setProblem(asProblem(error));
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.collectionId, tick]);

  const upload = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) return;
    const body = new FormData();
    body.append('file', file);
    // XMLHttpRequest, not fetch: it reports upload progress.
    const request = new XMLHttpRequest();
    request.open('POST', `/v1/collections/${encodeURIComponent(props.collectionId)}/documents/upload`);
    for (const [header, value] of Object.entries(authHeaders())) request.setRequestHeader(header, value);
    request.upload.onprogress = (progressEvent) => {
      if (progressEvent.lengthComputable)
        setProgress(Math.round((progressEvent.loaded / progressEvent.total) * 100));
    };
    request.onload = () => {
      setProgress(null);
      if (request.status >= 300) {
        try {
          setProblem(asProblem(JSON.parse(request.responseText)));
        } catch {
          setProblem({ title: `Upload failed (${request.status})` });
        }
      } else {
        setProblem(null);
        form.reset();
        setTick((value) => value + 1);
      }
    };
    request.onerror = () => {
      setProgress(null);
      setProblem({ title: 'The upload could not reach Keel' });
    };
    setProgress(0);
    request.send(body);
  };

  return (
    <>
      <form class="panel" onSubmit={upload}>
        <div class="field">
          <label for="upload-file">Upload a document (PDF, DOCX, HTML, Markdown, text, JSON)</label>
          <input id="upload-file" name="file" type="file" required />
        </div>
        <button type="submit" disabled={progress !== null}>
          Upload
        </button>
        {progress !== null ? (
          <progress max={100} value={progress} aria-label="Upload progress">
            {progress}%
          </progress>
        ) : null}
      </form>
      <ProblemView problem={problem} />
      <h2>Documents</h2>
      {documents === null && !problem ? <Loading /> : null}
      {documents?.length === 0 ? <p>No documents in this collection yet.</p> : null}
      {documents && documents.length > 0 ? (
        <Table caption="Documents in the collection" columns={['Title', 'Status', 'Chunks', 'Updated']}>
          {documents.map((document) => (
            <tr key={document.id}>
              <td>{document.title}</td>
              <td data-testid="document-status">
                <StatusBadge status={document.status} />
                {document.progress ? (
                  <span class="muted">
                    {' '}
                    {document.progress.step} {document.progress.completed}/{document.progress.total}
                  </span>
                ) : null}
                {document.error ? <span class="muted"> {document.error.title}</span> : null}
              </td>
              <td>{document.chunk_count}</td>
              <td>{formatTime(document.updated_at)}</td>
            </tr>
          ))}
        </Table>
      ) : null}
      <SearchTester collectionId={props.collectionId} />
    </>
  );
}

function SearchTester(props: { readonly collectionId: string }) {
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<'hybrid' | 'lexical' | 'vector'>('hybrid');
  const [result, setResult] = useState<SearchResponse | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const search = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const { data, error } = await keel().POST('/v1/search', {
      body: { query, collection_ids: [props.collectionId], k: 10, mode },
    });
    setBusy(false);
    setResult(data ?? null);
    setProblem(error ? asProblem(error) : null);
  };
  const rank = (signal: { rank: number; score: number } | null) =>
    signal ? `#${signal.rank} (${signal.score.toFixed(3)})` : '—';
  return (
    <section class="panel" aria-labelledby="search-title">
      <h2 id="search-title">Search tester</h2>
      <form class="row" onSubmit={search}>
        <div class="field grow">
          <label for="search-query">Query</label>
          <input
            id="search-query"
            required
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="search-mode">Mode</label>
          <select
            id="search-mode"
            value={mode}
            onChange={(event) => setMode(event.currentTarget.value as typeof mode)}
          >
            <option value="hybrid">hybrid</option>
            <option value="lexical">lexical</option>
            <option value="vector">vector</option>
          </select>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <ProblemView problem={problem} />
      {result ? (
        <>
          <p class="muted" data-testid="search-summary">
            Mode {result.mode}
            {result.fallback ? ` (asked ${result.requested_mode}; ${result.fallback.detail})` : ''} ·{' '}
            {result.results.length} results
          </p>
          {result.results.length > 0 ? (
            <Table
              caption="Search results with their lexical and vector ranks"
              columns={['Rank', 'Document', 'Snippet', 'Lexical', 'Vector', 'Score']}
            >
              {result.results.map((item) => (
                <tr key={item.chunk_id}>
                  <td>{item.rank}</td>
                  <td>{item.title}</td>
                  <td class="snippet">{item.snippet}</td>
                  <td>{rank(item.lexical)}</td>
                  <td>{rank(item.vector)}</td>
                  <td>{item.score.toFixed(4)}</td>
                </tr>
              ))}
            </Table>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
