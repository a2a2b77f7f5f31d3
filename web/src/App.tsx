/**
 * The console's frame: sign-in until a token works, then the navigation and the page the
 * address names. Every page talks to the REST API only (`api.ts`), live through `/events`.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { MeWire } from '../../src/api/wire.js';
import { api } from './api/client.js';
import { toApiError } from './hooks.js';
import { LiveEventsProvider, useLiveConnected } from './live.js';
import { Can, MeProvider } from './me.js';
import { Link, useRoute } from './router.js';
import { clearToken, getToken, onTokenChange } from './session.js';
import { ToastProvider } from './components/Toast.js';
import { Loading } from './components/States.js';
import { Logo } from './components/Logo.js';
import { SignIn } from './pages/SignIn.js';
import { Dashboard } from './pages/Dashboard.js';
import { Schedules } from './pages/Schedules.js';
import { ScheduleForm } from './pages/ScheduleForm.js';
import { Runs } from './pages/Runs.js';
import { RunDetail } from './pages/RunDetail.js';
import { Batch } from './pages/Batch.js';
import { Workers } from './pages/Workers.js';
import { JobTypes } from './pages/JobTypes.js';
import { AuditLog } from './pages/AuditLog.js';

const useToken = () => useSyncExternalStore(onTokenChange, getToken);

export function App() {
  const token = useToken();
  const [me, setMe] = useState<MeWire | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    setMe(null);
    if (!token) return;
    api.get<MeWire>('/me').then(
      (answer) => {
        setMe(answer);
        setProblem(null);
      },
      (error: unknown) => {
        const apiError = toApiError(error);
        setProblem(apiError.status === 401 ? 'That token is not valid (revoked, mistyped or from another database).' : apiError.message);
        clearToken();
      },
    );
  }, [token]);

  if (!token) return <SignIn problem={problem} />;
  if (!me) return <Loading label="Signing in…" height="100vh" />;
  return (
    <MeProvider me={me}>
      <ToastProvider>
        <LiveEventsProvider>
          <Shell me={me} />
        </LiveEventsProvider>
      </ToastProvider>
    </MeProvider>
  );
}

const sections = [
  { path: '/', label: 'Dashboard', match: '' },
  { path: '/schedules', label: 'Schedules', match: 'schedules' },
  { path: '/runs', label: 'Runs', match: 'runs' },
  { path: '/workers', label: 'Workers', match: 'workers' },
  { path: '/job-types', label: 'Job types', match: 'job-types' },
];

function Shell({ me }: { me: MeWire }) {
  const route = useRoute();
  const [first = ''] = route.segments;
  const live = useLiveConnected();
  const current = first === 'batches' ? 'runs' : first;
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <Logo /> Hourglass
        </Link>
        <nav aria-label="Sections">
          <ul>
            {sections.map((section) => (
              <li key={section.path}>
                <Link to={section.path} aria-current={current === section.match ? 'page' : undefined}>
                  {section.label}
                </Link>
              </li>
            ))}
            <Can role="admin">
              <li>
                <Link to="/audit-log" aria-current={current === 'audit-log' ? 'page' : undefined}>
                  Audit log
                </Link>
              </li>
            </Can>
          </ul>
        </nav>
        <div className="who">
          <span className={`live-dot ${live ? 'on' : ''}`} title={live ? 'Live updates on' : 'Live updates reconnecting'} aria-label={live ? 'Live updates on' : 'Live updates reconnecting'} />
          <span className="muted" title={me.tenant_id ? `tenant ${me.tenant_id}` : 'all tenants'}>
            {me.name.replace(/^token:/, '')} · {me.role}
            {me.tenant_id ? ` · ${me.tenant_id}` : ''}
          </span>
          <button type="button" onClick={clearToken}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page segments={route.segments} />
      </main>
    </div>
  );
}

function Page({ segments }: { segments: string[] }) {
  const [section = '', id] = segments;
  switch (section) {
    case '':
      return <Dashboard />;
    case 'schedules':
      return id === undefined ? <Schedules /> : <ScheduleForm id={id === 'new' ? null : id} />;
    case 'runs':
      return id === undefined ? <Runs /> : <RunDetail id={id} />;
    case 'batches':
      return id === undefined ? <Runs /> : <Batch id={id} />;
    case 'workers':
      return <Workers />;
    case 'job-types':
      return <JobTypes />;
    case 'audit-log':
      return <AuditLog />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page at this address. <Link to="/">Go to the dashboard</Link>.
          </p>
        </section>
      );
  }
}
