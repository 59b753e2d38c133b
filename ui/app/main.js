// The dashboard's shell: sign-in (a pasted token, or a one-time link from `dockhand open`), the
// navigation and the page for the current route.
import { html, render, useEffect, useState } from './html.js';
import { api, redeemLinkInAddress, session, signIn, whenSignedOut } from './api.js';
import { useRoute } from './router.js';
import { ErrorNote } from './parts/common.js';
import { OverviewPage } from './pages/overview.js';
import { TasksPage } from './pages/tasks.js';
import { TaskPage } from './pages/task.js';
import { CodesPage, CodePage } from './pages/codes.js';
import { SchedulesPage } from './pages/schedules.js';
import { NodesPage } from './pages/nodes.js';

const NAV = [
  ['/', 'Overview'],
  ['/tasks', 'Tasks'],
  ['/codes', 'Code'],
  ['/schedules', 'Schedules'],
  ['/nodes', 'Nodes'],
];

function SignIn({ onSignedIn, error: initialError }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(initialError);
  const submit = async (event) => {
    event.preventDefault();
    setError(undefined);
    try {
      await signIn(token.trim());
      onSignedIn();
    } catch (err) {
      setError(err);
    }
  };
  return html`<main id="main" class="signin">
    <h1>Dockhand</h1>
    <form onSubmit=${submit}>
      <label for="token">Project token</label>
      <input id="token" name="token" type="password" autocomplete="off" value=${token} onInput=${(e) => setToken(e.target.value)} required />
      <button type="submit">Sign in</button>
      <p class="hint">The token is in <code>.dockhand/credentials.json</code>; <code>npx dockhand open</code> opens this page signed in. It is kept for this tab only.</p>
      <${ErrorNote} error=${error} />
    </form>
  </main>`;
}

function Page({ route }) {
  const [section, id] = route.parts;
  if (section === 'tasks' && id) return html`<${TaskPage} id=${id} />`;
  if (section === 'tasks') return html`<${TasksPage} params=${route.params} />`;
  if (section === 'codes' && id) return html`<${CodePage} name=${id} />`;
  if (section === 'codes') return html`<${CodesPage} />`;
  if (section === 'schedules') return html`<${SchedulesPage} />`;
  if (section === 'nodes') return html`<${NodesPage} />`;
  return html`<${OverviewPage} />`;
}

function Shell({ onSignOut }) {
  const route = useRoute();
  const [project, setProject] = useState(undefined);
  useEffect(() => {
    api('/v1/tokens/current').then(setProject, () => {});
  }, []);
  const section = `/${route.parts[0] ?? ''}`;
  // A button, not a #main link: the fragment is the router's.
  return html`<button class="skip" onClick=${() => document.getElementById('main').focus()}>Skip to content</button>
    <header class="top">
      <a class="brand" href="#/">Dockhand</a>
      <nav aria-label="Sections">
        ${NAV.map(([path, label]) => html`<a href=${`#${path}`} aria-current=${section === path ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <span class="who">
        ${project ? html`<span title=${`project ${project.project_id}`}>${project.project_name}</span>` : null}
        ${session.readOnly() ? html`<span class="badge readonly">read-only</span>` : null}
        <button class="link" onClick=${onSignOut}>Sign out</button>
      </span>
    </header>
    <main id="main" tabindex="-1"><${Page} route=${route} /></main>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(Boolean(session.token()));
  const [linkError, setLinkError] = useState(undefined);
  useEffect(() => {
    whenSignedOut(() => setSignedIn(false));
    redeemLinkInAddress().then((redeemed) => redeemed && setSignedIn(true), setLinkError);
  }, []);
  if (!signedIn) return html`<${SignIn} onSignedIn=${() => setSignedIn(true)} error=${linkError} />`;
  return html`<${Shell} onSignOut=${() => { session.clear(); setSignedIn(false); }} />`;
}

const root = document.getElementById('root');
// Preact adds to what is there; the static "Loading" note goes first.
root.textContent = '';
render(html`<${App} />`, root);
