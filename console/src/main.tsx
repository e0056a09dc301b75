/** The console's shell: the session (login page when there is none), the environment banner, the menu, the pages. */
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { logout, session, setCsrf, type SessionInfo } from './api';
import { Login } from './pages/Login';
import { Runs } from './pages/Runs';
import { Run } from './pages/Run';
import { Resources } from './pages/Resources';
import { Schedules } from './pages/Schedules';
import { Workflows } from './pages/Workflows';
import { History } from './pages/History';
import { Admin } from './pages/Admin';
import { navigate } from './util';
import './style.css';

export interface PageProps {
  me: SessionInfo;
  can: (permission: string) => boolean;
}

const MENU: Array<{ path: string; label: string; permission: string }> = [
  { path: '/runs', label: 'Runs', permission: 'read' },
  { path: '/schedules', label: 'Schedules', permission: 'read' },
  { path: '/resources', label: 'Resources', permission: 'read' },
  { path: '/workflows', label: 'Workflows', permission: 'read' },
  { path: '/history', label: 'History', permission: 'read' },
  { path: '/admin', label: 'Admin', permission: 'manage' },
];

function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const on = () => setPath(location.pathname);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return path;
}

function Page({ path, props }: { path: string; props: PageProps }) {
  const run = /^\/runs\/(\d+)$/.exec(path);
  if (run) return <Run {...props} id={Number(run[1])} />;
  if (path === '/' || path === '/runs') return <Runs {...props} />;
  if (path === '/schedules') return <Schedules {...props} />;
  if (path === '/resources') return <Resources {...props} />;
  if (path === '/workflows') return <Workflows {...props} />;
  if (path === '/history') return <History {...props} />;
  if (path === '/admin') {
    return props.can('manage') ? <Admin {...props} /> : <p className="error" data-testid="no-access">Your role ({props.me.role}) may not manage users and tokens.</p>;
  }
  return <p className="error">No page {path}.</p>;
}

function App() {
  const [me, setMe] = useState<SessionInfo | null>(null);
  const path = usePath();
  const refresh = useCallback(() => {
    session().then((s) => {
      setCsrf(s.csrf);
      setMe(s);
    }).catch(() => setMe(null));
  }, []);
  useEffect(refresh, [refresh]);
  if (!me) return <div className="loading">Loading…</div>;
  const banner = (
    <div className="banner" data-testid="env-banner" style={{ background: me.environment.color }}>
      environment: <b>{me.environment.name}</b>
    </div>
  );
  if (!me.role) {
    return <>{banner}<Login onLogin={(s) => { setCsrf(s.csrf); setMe(s); }} /></>;
  }
  const can = (p: string) => me.permissions.includes(p);
  return (
    <>
      {banner}
      <header>
        <b className="logo">Ordo</b>
        <nav>
          {MENU.filter((m) => can(m.permission)).map((m) => (
            <a key={m.path} href={m.path} className={path.startsWith(m.path) || (path === '/' && m.path === '/runs') ? 'active' : ''}
              onClick={(e) => { e.preventDefault(); navigate(m.path); }}>{m.label}</a>
          ))}
        </nav>
        <span className="me" data-testid="me">{me.name} ({me.role})</span>
        <button onClick={() => { void logout().then(refresh); }}>Log out</button>
      </header>
      <main><Page path={path} props={{ me, can }} /></main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
