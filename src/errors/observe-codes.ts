import { defineErrorCodes } from './define.js';

/**
 * User-facing errors of the observe area: starting the HTTP server, and the
 * `error.code` of JSON error bodies the server returns to HTTP clients.
 */
export const OBSERVE_ERROR_CODES = defineErrorCodes({
  OBSERVE_LISTEN_FAILED: {
    title: 'the metrics/status HTTP server could not listen on the --listen address',
    hint: 'Another process holds the port, or the host is not an address of this machine: pick another --listen host:port.',
  },
  OBSERVE_BAD_LISTEN_ADDRESS: {
    title: 'the --listen address is not host:port with a port from 0 to 65535',
    hint: 'Use for example --listen 127.0.0.1:9400 (or 0.0.0.0:9400 to be scraped from other hosts).',
  },
  HTTP_UNAUTHORIZED: {
    title: 'an /api request had no bearer token, or not the configured one',
    hint: 'Send "Authorization: Bearer <token>" with the token from --api-token-file (or ECS_GITOPS_API_TOKEN); /metrics, /healthz and /readyz need none.',
  },
  HTTP_HOST_NOT_ALLOWED: {
    title: 'an /api request named a Host the controller does not answer to (DNS rebinding protection)',
    hint: 'Reach the API by IP address or localhost, or list the DNS name you use (a load balancer\'s, say) in --api-allowed-hosts.',
  },
  HTTP_NOT_FOUND: {
    title: 'the HTTP path, or the service named in it, does not exist',
    hint: 'See docs/observability.md for the endpoints; /api/v1/status lists the managed services and their keys.',
  },
  HTTP_METHOD_NOT_ALLOWED: {
    title: 'the HTTP method is not allowed on this path (the API is read-only)',
    hint: 'Use GET (the Allow header lists what the path accepts); only the webhook and /api/v1/session accept POST.',
  },
  HTTP_BODY_NOT_ALLOWED: {
    title: 'a request body was sent to an endpoint that takes none',
    hint: 'Send GET requests without a body; only the webhook endpoint reads a body.',
  },
  HTTP_BODY_TOO_LARGE: {
    title: 'the webhook request body is larger than the server accepts',
    hint: 'Git hosts send small push payloads; check the sender is the expected webhook.',
  },
  HTTP_BAD_REQUEST: {
    title: 'the HTTP request could not be understood (bad URL encoding, or a query parameter or body the endpoint does not accept)',
    hint: 'Percent-encode path segments correctly; the answer\'s `parameter` names the query parameter to fix (docs/ui.md lists those of /api/v1/services).',
  },
  HTTP_TOO_MANY_STREAMS: {
    title: 'the web UI\'s live stream (/api/v1/stream) already has as many clients as it serves at once',
    hint: 'Close other open pages of the web UI (each holds one stream); the page retries by itself. docs/ui.md lists the bound.',
  },
  HTTP_REQUEST_TIMEOUT: {
    title: 'the HTTP request took too long to arrive or to answer',
    hint: 'Retry; if it persists, check the network between the client and the controller.',
  },
  HTTP_INTERNAL_ERROR: {
    title: 'the controller failed while answering an HTTP request',
    hint: 'The details are in the controller log (never sent to clients); please report it with that log line.',
  },
});
