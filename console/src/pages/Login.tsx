/** Log in with a user name and password, or with an API token. */
import { useState } from 'react';
import { login, type SessionInfo } from '../api';
import { errorText } from '../util';

export function Login({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setError('');
    login(token ? { token } : { user, password }).then(onLogin).catch((err: unknown) => setError(errorText(err)));
  };
  return (
    <form className="login" onSubmit={submit}>
      <h1>Ordo console</h1>
      <label>User <input name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} /></label>
      <label>Password <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
      <p className="hint">or</p>
      <label>API token <input name="token" type="password" value={token} onChange={(e) => setToken(e.target.value)} /></label>
      <button type="submit">Log in</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
