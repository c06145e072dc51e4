/**
 * The pino logger factory. JSON lines to stdout by default (what log shippers
 * want), pino-pretty when asked. Secrets never reach the output: fixed
 * redaction paths for the shapes we know (request headers, AWS credentials)
 * plus a key-based scrub of every record for what nests deeper (manifests,
 * diffs, SDK inputs), and of every message string and serialized error (a
 * URL with a password, `--token=...` quoted in an AWS error). Components receive a Logger and make child loggers for
 * context (`logger.child({ key, revision, reconcileId })`).
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { REDACTED, secretScrubber, secretTextScrubber } from './secret-scrub.js';

export type Logger = PinoLogger;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface CreateLoggerOptions {
  /** pino level name. @default 'info' */
  readonly level?: string;
  /** @default 'json' */
  readonly format?: LogFormat;
  /** Where lines go. @default process.stdout */
  readonly destination?: NodeJS.WritableStream;
  /** Pretty format only: ANSI colours. @default destination is a TTY and NO_COLOR is unset */
  readonly colorize?: boolean;
  /** Fields on every line (e.g. { component: 'controller' }). */
  readonly base?: Record<string, unknown>;
  /**
   * Environment variable names whose values are scrubbed besides the default
   * ones: the user's --secret-pattern (MaskOptions.secretNamePattern), so a
   * value masked in diffs and status is never printed in a log line either.
   */
  readonly secretNamePattern?: RegExp;
}

/** Known places secrets sit; the scrub catches the rest by key name. */
export const REDACT_PATHS: readonly string[] = [
  'headers.authorization',
  'headers.cookie',
  'headers["x-hub-signature-256"]',
  'headers["x-gitlab-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  // Top-level keys also cover child-logger bindings, which skip the formatters.
  'token',
  'password',
  'authorization',
  'secretAccessKey',
  'sessionToken',
  'apiKey',
  'credentials',
  '*.credentials',
  '*.secretAccessKey',
  '*.sessionToken',
  'secrets',
  '*.secrets',
];

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new RangeError(`log level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? 'json';
  const scrubOptions = options.secretNamePattern ? { secretNamePattern: options.secretNamePattern } : {};
  const scrubSecrets = secretScrubber(scrubOptions);
  const scrubText = secretTextScrubber(scrubOptions);
  const stream: DestinationStream =
    format === 'pretty'
      ? pretty({
          destination,
          sync: true,
          colorize: options.colorize ?? (isTty(destination) && !process.env.NO_COLOR),
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        })
      : (destination as DestinationStream);
  const logger = pino(
    {
      level,
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      // The message (and printf arguments) never reach `formatters.log`, which only sees the merged object.
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const arg: unknown = args[i];
            if (typeof arg === 'string') (args as unknown[])[i] = scrubText(arg);
          }
          return method.apply(this, args);
        },
      },
      // An Error is not a plain object, so the record scrub passes it by; scrub what pino makes of it.
      // Most callers log `err` as a string (scrubbed with the record).
      serializers: { err: (err: unknown) => (err instanceof Error ? scrubSecrets({ ...pino.stdSerializers.err(err) }) : err) },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubSecrets(object),
        bindings: (bindings) => scrubSecrets(bindings),
      },
    },
    stream,
  );
  // Child bindings skip the formatters; pino children inherit from their parent
  // by prototype, so scrubbing here covers grandchildren too.
  const child = logger.child;
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    return child.call(this, scrubSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/** A logger that drops everything (tests, embedding without logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const LEVEL_METHODS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = (): void => undefined;

/**
 * `parent.child(bindings())`, made on first use. A reconcile binds its key,
 * revision and id, yet most reconciles of a resync log nothing at the
 * configured level; making the child (which redacts and scrubs its bindings
 * up front) and the id for each of 10,000 services was ~3 % of a resync's
 * CPU (BENCHMARKS.md, scenario 4). A call at a disabled level does not make
 * it; anything else does, and then goes to the real child.
 */
export function lazyChild(parent: Logger, bindings: () => Record<string, unknown>): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(target, property) {
      if (child === undefined && typeof property === 'string' && LEVEL_METHODS.has(property) && !target.isLevelEnabled(property)) return noop;
      child ??= parent.child(bindings());
      const value: unknown = Reflect.get(child, property, child);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(child) : value;
    },
  });
}
