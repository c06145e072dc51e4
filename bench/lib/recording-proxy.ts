/**
 * A pass-through HTTP proxy between the controller and the sandbox that
 * records, for each ECS request, which services it named. The sandbox's call
 * log names one target per call (the cluster, for a DescribeServices of ten
 * services; nothing, for a DescribeServiceDeployments of ARNs), which cannot
 * tell how often each service was read; the request bodies can. Bytes are
 * forwarded unchanged both ways (a keep-alive agent, as the SDK's own), so the
 * controller talks to the sandbox as before, one loopback hop further. Used by
 * the mass rollout (scenario 3) to count the passes of each followed rollout
 * and the DescribeServiceDeployments made for it.
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The JSON 1.1 target prefix of every ECS operation (X-Amz-Target: AmazonEC2ContainerServiceV20141113.DescribeServices). */
const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';

/** One ECS request as the proxy saw it. */
export interface NamedCall {
  /** Wall-clock ms when the request arrived at the proxy. */
  readonly at: number;
  readonly operation: string;
  /** `cluster/service` of every service the request named (several for DescribeServices and DescribeServiceDeployments). */
  readonly services: readonly string[];
  /** The HTTP status of the sandbox's answer (400 for a ThrottlingException or any other client error); 0 when forwarding failed. */
  readonly status: number;
}

const lastSegment = (value: string): string => value.slice(value.lastIndexOf('/') + 1);

/**
 * The `cluster/service` names one ECS request body names. Clusters and
 * services may be given by name or ARN; a service deployment's ARN is
 * `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>`
 * (docs/ecs-facts.md, the deployments API). Pure.
 */
export function servicesNamed(operation: string, body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const input = body as Record<string, unknown>;
  const cluster = typeof input.cluster === 'string' ? lastSegment(input.cluster) : 'default';
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  switch (operation) {
    case 'DescribeServices':
      return strings(input.services).map((s) => `${cluster}/${lastSegment(s)}`);
    case 'DescribeServiceDeployments':
      return strings(input.serviceDeploymentArns).flatMap((arn) => {
        const m = /:service-deployment\/([^/]+)\/([^/]+)\/[^/]+$/.exec(arn);
        return m ? [`${m[1]}/${m[2]}`] : [];
      });
    case 'CreateService':
      return typeof input.serviceName === 'string' ? [`${cluster}/${input.serviceName}`] : [];
    default:
      return typeof input.service === 'string' ? [`${cluster}/${lastSegment(input.service)}`] : [];
  }
}

export class RecordingProxy {
  readonly #upstream: URL;
  readonly #server: Server;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  #calls: NamedCall[] = [];
  #endpoint = '';

  private constructor(upstream: string) {
    this.#upstream = new URL(upstream);
    this.#server = createServer((req, res) => {
      const at = Date.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = target.startsWith(ECS_TARGET_PREFIX) ? target.slice(ECS_TARGET_PREFIX.length) : undefined;
        const headers: IncomingHttpHeaders = { ...req.headers, host: this.#upstream.host };
        const upstream = request({
          host: this.#upstream.hostname, port: this.#upstream.port, method: req.method, path: req.url, headers, agent: this.#agent,
        }, (answer) => {
          if (operation !== undefined) this.#record(at, operation, body, answer.statusCode ?? 0);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', (err) => {
          if (operation !== undefined) this.#record(at, operation, body, 0);
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`recording proxy: ${err.message}`);
        });
        upstream.end(body);
      });
    });
    this.#server.keepAliveTimeout = 60_000;
  }

  /** Listens on a kernel-chosen loopback port in front of `upstream` (the sandbox's endpoint). */
  static async start(upstream: string): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(upstream);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.#endpoint = `http://127.0.0.1:${(proxy.#server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** Where the controller sends its requests. */
  get endpoint(): string {
    return this.#endpoint;
  }

  #record(at: number, operation: string, body: Buffer, status: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    this.#calls.push({ at, operation, services: servicesNamed(operation, parsed), status });
  }

  /** ECS requests answered since `since` (ms), in arrival order. */
  calls(since = 0): NamedCall[] {
    return this.#calls.filter((c) => c.at >= since).sort((a, b) => a.at - b.at);
  }

  reset(): void {
    this.#calls = [];
  }

  async close(): Promise<void> {
    this.#agent.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
