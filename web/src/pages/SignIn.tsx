import { useState, type FormEvent } from 'react';
import { setToken } from '../session.js';
import { Logo } from '../components/Logo.js';

/** Paste a token (`hourglass tokens create`), or open the URL that `hourglass start` printed. */
export function SignIn({ problem }: { problem: string | null }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) setToken(value.trim());
  };
  return (
    <main className="signin" id="main">
      <form onSubmit={submit} className="card">
        <h1>
          <Logo size={22} /> Hourglass
        </h1>
        <p>Sign in with an API token. The first <code>hourglass start</code> printed a console link that signs in directly; <code>hourglass tokens create --name me --role admin</code> makes another.</p>
        <label htmlFor="token">Token</label>
        <input id="token" name="token" type="password" autoComplete="off" autoFocus value={value} onChange={(event) => setValue(event.target.value)} placeholder="hg_…" aria-invalid={problem ? true : undefined} aria-describedby={problem ? 'token-error' : undefined} />
        {problem ? (
          <p id="token-error" className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
