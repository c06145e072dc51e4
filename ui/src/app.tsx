/**
 * The shell: skip link, header with the live indicator, the view the hash
 * names, the login form when the API answers 401, and the polite live region
 * that announces stream updates.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, createSession, onUnauthorized } from './api.js';
import { ErrorMessage } from './error-message.js';
import { FleetView } from './fleet.js';
import { HaBadge, useHaStatus } from './ha.js';
import { parseRoute, rememberFleetHash, type Route } from './route.js';
import { ServiceView } from './service.js';
import { liveStream, type StreamState } from './stream.js';

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [needLogin, setNeedLogin] = useState(false);
  const [reloadToken, setReloadToken] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  const main = useRef<HTMLElement>(null);
  const ha = useHaStatus(reloadToken, route.view);

  useEffect(() => {
    const onHashChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onHashChange);
    const stopListening = onUnauthorized(() => setNeedLogin(true));
    liveStream.connect();
    return () => {
      window.removeEventListener('hashchange', onHashChange);
      stopListening();
      liveStream.close();
    };
  }, []);

  useEffect(() => {
    if (route.view === 'fleet') rememberFleetHash(location.hash || '#/');
    document.title = route.view === 'service' ? `${route.key} · ecs-gitops` : 'Fleet · ecs-gitops';
  }, [route]);

  const loggedIn = useCallback(() => {
    setNeedLogin(false);
    setReloadToken((n) => n + 1);
    liveStream.connect();
    // The form (and its focused button) is gone: keyboard users continue from the top of the content.
    main.current?.focus();
  }, []);

  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => {
        // The hash is the router's: move focus without navigating.
        event.preventDefault();
        main.current?.focus();
      }}>Skip to main content</a>
      <header class="app-header">
        <a class="brand" href="#/">ecs-gitops</a>
        <div class="header-status">
          <HaBadge ha={ha.ha} />
          <LiveIndicator />
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {needLogin ? (
          <LoginForm onSuccess={loggedIn} />
        ) : route.view === 'service' ? (
          <ServiceView key={route.key} serviceKey={route.key} reloadToken={reloadToken} />
        ) : (
          <FleetView query={route.query} reloadToken={reloadToken} announce={setAnnouncement} ha={ha} />
        )}
      </main>
      <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">{announcement}</div>
    </>
  );
}

function LiveIndicator() {
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => liveStream.onState(setState), []);
  const open = state === 'open';
  return (
    <p class={`live live-${open ? 'open' : 'down'}`} data-testid="live-indicator">
      <span class="live-symbol" aria-hidden="true">{open ? '●' : '○'}</span> {open ? 'Live' : 'Reconnecting…'}
    </p>
  );
}

function LoginForm({ onSuccess }: { readonly onSuccess: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  return (
    <form class="login" data-testid="login" aria-labelledby="login-heading" onSubmit={(event) => {
      event.preventDefault();
      setBusy(true);
      createSession(token).then(
        () => {
          setBusy(false);
          onSuccess();
        },
        (failure: unknown) => {
          setBusy(false);
          setError(failure instanceof ApiError ? failure : new ApiError(0, 'NETWORK_ERROR', String(failure)));
        },
      );
    }}>
      <h1 id="login-heading">Sign in</h1>
      <p>This controller requires its API token (the contents of <code>--api-token-file</code>).</p>
      <label for="login-token">API token</label>
      <input id="login-token" name="token" type="password" autocomplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
      <button type="submit" disabled={busy}>Sign in</button>
      {error && <ErrorMessage error={error} />}
    </form>
  );
}
