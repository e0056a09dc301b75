/** Admin: users and their roles, API tokens (create, revoke). The server refuses what the caller's role may not grant. */
import { useCallback, useEffect, useState } from 'react';
import { rpc } from '../api';
import type { PageProps } from '../main';
import { errorText, time } from '../util';

const ROLES = ['user', 'operator', 'admin', 'superuser'];
interface User { name: string; role: string; hasPassword: boolean }
interface Token { name: string; role: string; user: string | null; lastUsedAt: number | null; expiresAt: number | null }

export function Admin(_props: PageProps) {
  const [users, setUsers] = useState<User[]>([]);
  const [tokens, setTokens] = useState<Token[]>([]);
  const [error, setError] = useState('');
  const [secret, setSecret] = useState('');
  const [nu, setNu] = useState({ name: '', role: 'user', password: '' });
  const [nt, setNt] = useState({ name: '', role: 'user', user: '', expires: '' });
  const load = useCallback(() => {
    rpc<User[]>('users.list').then(setUsers).catch((e: unknown) => setError(errorText(e)));
    rpc<Token[]>('tokens.list').then(setTokens).catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  const addUser = (replace: boolean) => rpc('users.add', { name: nu.name, role: nu.role, ...(nu.password && { password: nu.password }), replace })
    .then(load).catch((e: unknown) => setError(errorText(e)));
  const createToken = () => rpc<{ token: string }>('tokens.create', { name: nt.name, role: nt.role, ...(nt.user && { user: nt.user }), ...(nt.expires && { expires: nt.expires }) })
    .then((r) => { setSecret(r.token); load(); }).catch((e: unknown) => setError(errorText(e)));
  return (
    <section data-testid="admin">
      <h1>Admin</h1>
      {error && <p className="error" role="alert">{error}</p>}
      <h2>Users</h2>
      <table className="grid" data-testid="users">
        <thead><tr><th>user</th><th>role</th><th>password</th></tr></thead>
        <tbody>{users.map((u) => <tr key={u.name}><td>{u.name}</td><td>{u.role}</td><td>{u.hasPassword ? 'set' : ''}</td></tr>)}</tbody>
      </table>
      <div className="toolbar">
        <input placeholder="user name" value={nu.name} onChange={(e) => setNu({ ...nu, name: e.target.value })} />
        <select value={nu.role} onChange={(e) => setNu({ ...nu, role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
        <input type="password" placeholder="password" value={nu.password} onChange={(e) => setNu({ ...nu, password: e.target.value })} />
        <button disabled={!nu.name} onClick={() => void addUser(false)}>Add user</button>
        <button disabled={!nu.name} onClick={() => void addUser(true)}>Change user</button>
      </div>
      <h2>Tokens</h2>
      <table className="grid" data-testid="tokens">
        <thead><tr><th>token</th><th>role</th><th>user</th><th>last use</th><th>expires</th><th /></tr></thead>
        <tbody>{tokens.map((t) => (
          <tr key={t.name}><td>{t.name}</td><td>{t.role}</td><td>{t.user ?? ''}</td><td>{time(t.lastUsedAt)}</td><td>{t.expiresAt ? time(t.expiresAt) : 'never'}</td>
            <td><button className="danger" onClick={() => { if (confirm(`Revoke token ${t.name}? It stops working at once.`)) rpc('tokens.revoke', { name: t.name }).then(load).catch((e: unknown) => setError(errorText(e))); }}>Revoke</button></td></tr>
        ))}</tbody>
      </table>
      <div className="toolbar">
        <input placeholder="token name" value={nt.name} onChange={(e) => setNt({ ...nt, name: e.target.value })} />
        <select value={nt.role} onChange={(e) => setNt({ ...nt, role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
        <input placeholder="for user (optional)" value={nt.user} onChange={(e) => setNt({ ...nt, user: e.target.value })} />
        <input placeholder="expires: 30d, 12h, date" value={nt.expires} onChange={(e) => setNt({ ...nt, expires: e.target.value })} />
        <button disabled={!nt.name} onClick={() => void createToken()}>Create token</button>
      </div>
      {secret && <p className="secret">New token (shown once): <code>{secret}</code></p>}
    </section>
  );
}
