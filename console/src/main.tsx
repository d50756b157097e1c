import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { asProblem, call, type Problem, storedKey, storeKey } from './api.ts';
import { Link, Loading, ProblemView } from './components.tsx';
import { navigate, useRoute } from './router.ts';
import { Documents } from './views/documents.tsx';
import { EvalRunDetail, Evals } from './views/evals.tsx';
import { Guardrails } from './views/guardrails.tsx';
import { JobDetail, Jobs } from './views/jobs.tsx';
import { Keys } from './views/keys.tsx';
import { Playground } from './views/playground.tsx';
import { RequestDetail, Requests } from './views/requests.tsx';
import { Variants } from './views/variants.tsx';
import './styles.css';

interface Identity {
  readonly authenticated: boolean;
  readonly kind: string | null;
  readonly key_id: string | null;
  readonly tenant_id: string | null;
  readonly scopes: readonly string[];
}

async function whoAmI(): Promise<Identity> {
  const exchange = await call('GET', '/v1/me');
  if (exchange.status !== 200) throw asProblem(exchange.body);
  return exchange.body as Identity;
}

function SignIn(props: {
  readonly onSignedIn: (identity: Identity) => void;
  readonly problem: Problem | null;
}) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<Problem | null>(props.problem);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    storeKey(key.trim());
    try {
      const identity = await whoAmI();
      if (!identity.authenticated) throw { title: 'This Keel needs an API key' } satisfies Problem;
      props.onSignedIn(identity);
    } catch (error) {
      storeKey('');
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Keel console</h1>
      <form class="panel" onSubmit={submit}>
        <div class="field">
          <label for="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autocomplete="off"
            required
            value={key}
            placeholder="keel_…"
            onInput={(event) => setKey(event.currentTarget.value)}
          />
          <small class="help">
            Kept in this tab's session storage only, and sent as a Bearer token to this Keel.
          </small>
        </div>
        <ProblemView problem={problem} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

const TABS = [
  { route: '/playground', label: 'Playground' },
  { route: '/jobs', label: 'Jobs' },
  { route: '/documents', label: 'Documents' },
  { route: '/evals', label: 'Evals', needs: '/v1/eval-runs' },
  { route: '/requests', label: 'Requests' },
  { route: '/guardrails', label: 'Guardrails' },
  { route: '/variants', label: 'Variants', admin: true },
  { route: '/keys', label: 'Keys and usage', admin: true },
] as const;

function App() {
  const route = useRoute();
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [checking, setChecking] = useState(true);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [paths, setPaths] = useState<Set<string>>(new Set());

  useEffect(() => {
    // A stored key (a reload) or open access signs in without the form.
    whoAmI()
      .then((found) => setIdentity(found.authenticated ? found : null))
      .catch((error: unknown) => {
        if (storedKey() !== '') setProblem(asProblem(error));
        storeKey('');
      })
      .finally(() => setChecking(false));
    call('GET', '/openapi.json')
      .then((exchange) => setPaths(new Set(Object.keys((exchange.body as { paths?: object })?.paths ?? {}))))
      .catch(() => undefined);
  }, []);

  if (checking) return <Loading label="Connecting to Keel…" />;
  if (!identity) return <SignIn problem={problem} onSignedIn={setIdentity} />;

  const admin = identity.scopes.includes('admin');
  const tabs = TABS.filter(
    (tab) => (!('needs' in tab) || paths.has(tab.needs)) && (!('admin' in tab) || admin),
  );
  const [, section = 'playground', id] = route.split('/');
  let view: preact.JSX.Element;
  if (section === 'jobs' && id) view = <JobDetail id={decodeURIComponent(id)} />;
  else if (section === 'jobs') view = <Jobs />;
  else if (section === 'documents') view = <Documents />;
  else if (section === 'evals' && id) view = <EvalRunDetail id={decodeURIComponent(id)} />;
  else if (section === 'evals') view = <Evals />;
  else if (section === 'requests' && id) view = <RequestDetail id={decodeURIComponent(id)} />;
  else if (section === 'requests') view = <Requests />;
  else if (section === 'guardrails') view = <Guardrails />;
  else if (section === 'keys') view = <Keys />;
  else if (section === 'variants')
    view = <Variants {...(id ? { capability: decodeURIComponent(id) } : {})} />;
  else view = <Playground />;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Keel</strong>
        <nav aria-label="Console sections">
          <ul>
            {tabs.map((tab) => (
              <li key={tab.route}>
                <Link
                  to={tab.route}
                  current={`/${section}` === tab.route || (section === '' && tab.route === '/playground')}
                >
                  {tab.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="identity" data-testid="identity">
          <span>
            Tenant <strong>{identity.tenant_id}</strong>
          </span>
          <span class="muted" title={identity.scopes.join(', ')}>
            {identity.kind === 'open' ? 'open access' : (identity.key_id ?? '')} · scopes:{' '}
            {identity.scopes.join(', ')}
          </span>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              storeKey('');
              setIdentity(null);
              navigate('/');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{view}</main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
