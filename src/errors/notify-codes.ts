import { defineErrorCodes } from './define.js';

/**
 * User-facing errors of the notifications area (docs/notifications.md): a
 * sink that cannot be built from its `kind: Notifier` spec (shown in
 * /api/v1/status `notifiers` as the sink's lastError), a delivery given up,
 * and the notification journal. Messages name the notifier, the sink, the
 * field and the file or variable, never a secret's value.
 */
export const NOTIFY_ERROR_CODES = defineErrorCodes({
  NOTIFY_SECRET_MISSING: {
    title: 'a secret a notifier sink names (urlFile/urlEnv, secretFile/secretEnv, tokenFile/tokenEnv) could not be read: the file does not exist or cannot be read, or the environment variable is not set',
    hint: 'Create the file (mounted secret) or set the variable in the controller\'s environment; the message names the notifier, the sink, the field and the file or variable. The sink\'s events wait, journaled, until the next snapshot finds the secret (docs/notifications.md#secrets).',
  },
  NOTIFY_SECRET_EMPTY: {
    title: 'a secret a notifier sink names is empty (after one trailing newline is removed)',
    hint: 'Write the value into the file or variable the message names; an empty HMAC key or token is never used.',
  },
  NOTIFY_SINK_INVALID: {
    title: 'a notifier sink cannot be used as declared: no URL or token, more than one source for the same secret, or a URL that is not http(s)',
    hint: 'Fix the sink in the Notifier manifest (docs/notifications.md#sinks); `ecs-gitops validate` reports what it can check without reading secrets.',
  },
  NOTIFY_DELIVERY_REJECTED: {
    title: 'a sink answered a notification with a 4xx other than 408 and 429 (bad token, unknown channel or repository, malformed request), so it was not retried',
    hint: 'The log line and the sink\'s lastError name the status and a short excerpt of the answer. Fix the token, URL or repository; later events are still sent.',
  },
  NOTIFY_DELIVERY_GIVEN_UP: {
    title: 'a notification could not be delivered within the retry bound (5xx, 429, timeouts or network errors on every attempt), so it was given up for that sink',
    hint: 'Check that the receiver is up and reachable from the controller; the log line names the sink, the event and the last reason. ecs_gitops_notifications_total{result="given_up"} counts these.',
  },
  NOTIFY_JOURNAL_CORRUPT: {
    title: 'the notification journal (notifications.jsonl in the state dir) had lines that are not journal entries, so it was moved aside and the readable entries kept',
    hint: 'Nothing to do unless it repeats (a disk or a second controller writing the same state dir). Events whose entries were lost may be sent again once; receivers can dedupe on X-Ecs-Gitops-Delivery.',
  },
  NOTIFY_JOURNAL_WRITE_FAILED: {
    title: 'the notification journal could not be written or synced (disk full, read-only state dir)',
    hint: 'Free space or fix the state dir\'s permissions. Deliveries go on from memory, but a restart may send what was not journaled again.',
  },
});
