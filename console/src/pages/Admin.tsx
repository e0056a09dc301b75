/**
 * Admin: users and their roles (add, change the role or password), API tokens (create, revoke), and what each
 * role may do. The server refuses what the caller's role may not grant; the console only asks.
 */
import { useCallback, useEffect, useState } from 'react';
import { rpc } from '../api';
import type { PageProps } from '../main';
import { errorText, time } from '../util';
import { PERMISSIONS, ROLES, permissionsOf } from '../../../src/auth/roles';

interface User { name: string; role: string; hasPassword: boolean; createdAt: number }
interface Token { name: string; role: string; user: string | null; createdAt: number; lastUsedAt: number | null; expiresAt: number | null }

const PERMISSION_TEXT: Record<string, string> = {
  public: 'health, who am I',
  read: 'see definitions, runs, logs, schedules, resources, history',
  operate: 'start, skip, abort, restart, kill; gates, connectors, hosts, schedules',
  define: 'reload the definitions',
  manage: 'users and API tokens',
};

function UserRow({ user, onSave }: { user: User; onSave: (role: string) => void }) {
  const [role, setRole] = useState(user.role);
  return (
    <tr data-user={user.name}>
      <td><b>{user.name}</b></td>
      <td>
        <select aria-label={`role of ${user.name}`} value={role} onChange={(e) => setRole(e.target.value)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>{' '}
        {role !== user.role && <button onClick={() => onSave(role)}>Save</button>}
      </td>
      <td>{user.hasPassword ? 'set' : <span className="hint">none (tokens only)</span>}</td>
      <td>{time(user.createdAt)}</td>
    </tr>
  );
}

export function Admin({ me }: PageProps) {
  const [users, setUsers] = useState<User[]>([]);
  const [tokens, setTokens] = useState<Token[]>([]);
  const [error, setError] = useState('');
  const [secret, setSecret] = useState('');
  const [nu, setNu] = useState({ name: '', role: 'user', password: '' });
  const [nt, setNt] = useState({ name: '', role: '', user: '', expires: '' });
  const load = useCallback(() => {
    rpc<User[]>('users.list').then(setUsers).catch((e: unknown) => setError(errorText(e)));
    rpc<Token[]>('tokens.list').then(setTokens).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  const fail = (e: unknown) => setError(errorText(e));
  const addUser = () => rpc('users.add', { name: nu.name, role: nu.role, ...(nu.password && { password: nu.password }) })
    .then(() => { setNu({ name: '', role: 'user', password: '' }); setError(''); load(); }).catch(fail);
  const changeRole = (name: string, role: string) => {
    if (!confirm(`Make ${name} ${role}? Open sessions and tokens of ${name} change at their next request.`)) return;
    rpc('users.add', { name, role, replace: true }).then(load).catch(fail);
  };
  const createToken = () => rpc<{ token: string }>('tokens.create', {
    name: nt.name, ...(nt.role && { role: nt.role }), ...(nt.user && { user: nt.user }), ...(nt.expires && { expires: nt.expires }),
  }).then((r) => { setSecret(r.token); setNt({ name: '', role: '', user: '', expires: '' }); setError(''); load(); }).catch(fail);
  const counts = new Map<string, number>();
  for (const u of users) counts.set(u.role, (counts.get(u.role) ?? 0) + 1);
  return (
    <section data-testid="admin">
      <h1>Admin</h1>
      {error && <p className="error" role="alert">{error} <button onClick={() => setError('')}>×</button></p>}
      <h2>Users</h2>
      <table className="grid" data-testid="users">
        <thead><tr><th>user</th><th>role</th><th>password</th><th>since</th></tr></thead>
        <tbody>{users.map((u) => <UserRow key={`${u.name}/${u.role}`} user={u} onSave={(role) => changeRole(u.name, role)} />)}</tbody>
      </table>
      <div className="toolbar">
        <input aria-label="new user name" placeholder="user name" value={nu.name} onChange={(e) => setNu({ ...nu, name: e.target.value })} />
        <select aria-label="new user role" value={nu.role} onChange={(e) => setNu({ ...nu, role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
        <input aria-label="new user password" type="password" placeholder="password (8+ characters)" value={nu.password} onChange={(e) => setNu({ ...nu, password: e.target.value })} />
        <button disabled={!nu.name} onClick={() => void addUser()}>Add user</button>
      </div>

      <h2>API tokens</h2>
      <table className="grid" data-testid="tokens">
        <thead><tr><th>token</th><th>role</th><th>user</th><th>created</th><th>last use</th><th>expires</th><th /></tr></thead>
        <tbody>{tokens.map((t) => (
          <tr key={t.name} data-token={t.name}>
            <td><b>{t.name}</b></td><td>{t.role}</td><td>{t.user ?? ''}</td><td>{time(t.createdAt)}</td><td>{time(t.lastUsedAt)}</td>
            <td>{t.expiresAt ? time(t.expiresAt) : 'never'}</td>
            <td><button className="danger" onClick={() => { if (confirm(`Revoke token ${t.name}? It stops working at once, on open connections too.`)) rpc('tokens.revoke', { name: t.name }).then(load).catch(fail); }}>Revoke</button></td>
          </tr>
        ))}</tbody>
      </table>
      <div className="toolbar">
        <input aria-label="token name" placeholder="token name" value={nt.name} onChange={(e) => setNt({ ...nt, name: e.target.value })} />
        <select aria-label="token role" value={nt.role} onChange={(e) => setNt({ ...nt, role: e.target.value })}>
          <option value="">role: the user's</option>{ROLES.map((r) => <option key={r}>{r}</option>)}
        </select>
        <input aria-label="token user" placeholder="for user (optional)" value={nt.user} onChange={(e) => setNt({ ...nt, user: e.target.value })} />
        <input aria-label="token expires" placeholder="expires: 30d, 12h, date" value={nt.expires} onChange={(e) => setNt({ ...nt, expires: e.target.value })} />
        <button disabled={!nt.name} onClick={() => void createToken()}>Create token</button>
      </div>
      {secret && <p className="secret" data-testid="new-token">New token (shown once, copy it now): <code>{secret}</code> <button onClick={() => setSecret('')}>Hide</button></p>}

      <h2>Roles</h2>
      <p className="hint">Nobody grants a role beyond their own: you are {me.role}.</p>
      <table className="grid roles" data-testid="roles">
        <thead><tr><th>role</th>{PERMISSIONS.map((p) => <th key={p} title={PERMISSION_TEXT[p]}>{p}</th>)}<th>users</th></tr></thead>
        <tbody>
          {ROLES.map((r) => (
            <tr key={r} data-role={r}>
              <td><b>{r}</b></td>
              {PERMISSIONS.map((p) => <td key={p} className={permissionsOf(r).includes(p) ? 'yes' : 'no'}>{permissionsOf(r).includes(p) ? '✓' : ''}</td>)}
              <td>{counts.get(r) ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul className="hint">{PERMISSIONS.map((p) => <li key={p}><b>{p}</b>: {PERMISSION_TEXT[p]}</li>)}</ul>
    </section>
  );
}
