/** kind: Notifier documents shared by the manifest and CLI tests. */

/** Every sink type and every optional field, valid. */
export const FULL_NOTIFIER = `apiVersion: ecs-gitops/v1
kind: Notifier
metadata:
  name: payments
spec:
  events: [SyncStarted, RolloutCompleted, RolloutFailed, DriftDetected]
  selector:
    clusters: [prod, prod-*]
    services: ["payments-*"]
    environments: [prod]
    minSeverity: info
  sinks:
    - type: slack
      urlEnv: SLACK_WEBHOOK_URL
      ratePerSecond: 1
      burst: 3
    - type: slack
      name: slack-oncall
      urlFile: /run/secrets/slack-oncall
    - type: webhook
      url: https://hooks.example.com/ecs-gitops
      secretFile: /run/secrets/webhook-hmac
    - type: sns
      topicArn: arn:aws:sns:eu-west-1:123456789012:deploys.fifo
    - type: github
      repository: acme/payments
      tokenFile: /run/secrets/github-token
      apiUrl: https://ghe.example.com/api/v3
      context: ecs-gitops/{environment}/{cluster}/{service}
      targetUrl: https://ecs-gitops.example.com/services/{region}/{cluster}/{service}
    - type: gitlab
      project: acme/platform/payments
      tokenEnv: GITLAB_TOKEN
      context: deploy/{account}/{service}
`;

/** The smallest valid Service, beside which notifiers are loaded and validated. */
export { MINIMAL_SERVICE } from '../support/minimal-service.js';
