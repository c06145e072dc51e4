import type { ApiError } from './api.js';

/** An API failure as the server said it (code and message), with a way to try again: never a blank page. */
export function ErrorMessage({ error, retry }: { readonly error: ApiError; readonly retry?: () => void }) {
  return (
    <div class="error" role="alert" data-testid="api-error">
      <p>
        <span aria-hidden="true">⚠ </span>
        <strong class="error-code">{error.code}</strong>
        {error.status > 0 && <span class="error-status"> (HTTP {error.status})</span>}: {error.message}
        {error.parameter && <span> (parameter <code>{error.parameter}</code>)</span>}
      </p>
      {retry && <button type="button" onClick={retry}>Try again</button>}
    </div>
  );
}
