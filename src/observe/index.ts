/**
 * The observe area's public surface: metrics, the status-to-metrics binding,
 * the logger and the HTTP server (with its readiness probe; the web UI it serves lives in src/web). Components import from here or
 * from the individual modules; both are stable.
 */
export * from './metrics.js';
export { bindServiceStatusMetrics } from './service-status-metrics.js';
export { createLogger, silentLogger, LOG_FORMATS, LOG_LEVELS, REDACT_PATHS, type CreateLoggerOptions, type LogFormat, type Logger } from './logger.js';
export { scrubSecrets, isSecretKey, isSecretEnvName, REDACTED } from './secret-scrub.js';
export {
  startHttpServer,
  WEBHOOK_PATH,
  SERVICE_PATH_PREFIX,
  EVENTS_PATH,
  UI_CONTENT_SECURITY_POLICY,
  type HttpServerOptions,
  type Readiness,
  type RunningHttpServer,
  type WebhookRequest,
  type WebhookResponse,
} from './http-server.js';
export { parseListenAddress, DEFAULT_LISTEN, type ListenAddress } from './listen-address.js';
