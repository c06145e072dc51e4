/**
 * ImageResolver against the sandbox's ECR over the real SDK: batching per
 * repository, telling which of several ids is missing, digests, the TTL cache
 * and re-checks on an injected clock, its own rate-limit bucket, and how each
 * failure is classified (AccessDenied through the narrowest fake, since no
 * backend here refuses by policy).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../src/util/clock.js';
import { createSdkEcrApi, type EcrApi, type EcrOperation } from '../../src/ecs/ecr-api.js';
import { ImageResolver, imageName, parseEcrImage, type EcrImageRef, type ImageLookup } from '../../src/ecs/image-resolver.js';
import { eventually, sandboxWorld, type SandboxWorld } from '../controller/harness.js';

describe('ImageResolver (sandbox ECR)', () => {
  let world: SandboxWorld;
  let calls: { operation: EcrOperation; ids: number }[];
  let ecr: EcrApi;
  let checks: ImageLookup['result'][];

  beforeEach(async () => {
    world = await sandboxWorld();
    world.pushImage('web', '1.0');
    world.pushImage('web', '2.0');
    world.pushImage('api', '1.0');
    calls = [];
    checks = [];
    ecr = {
      send: (operation, input, signal) => {
        calls.push({ operation, ids: (input as { imageIds?: unknown[] }).imageIds?.length ?? 0 });
        return world.ecr.send(operation, input, signal);
      },
    };
  });
  afterEach(async () => {
    await world.sandbox.close();
  });

  const ref = (image: string): EcrImageRef => {
    const parsed = parseEcrImage(image);
    if (!parsed) throw new Error(`not an ECR image: ${image}`);
    return parsed;
  };
  const web = (tag: string) => ref(`${world.repositoryUri('web')}:${tag}`);
  const resolver = (clock = systemClock, extra: Partial<ConstructorParameters<typeof ImageResolver>[0]> = {}) =>
    new ImageResolver({ ecr: () => ecr, clock, onCheck: (r) => checks.push(r), ...extra });
  /** An answer without its push time (compared separately). */
  const plain = (a: ImageLookup) => (a.result === 'found' ? { result: a.result, digest: a.digest } : a);
  const digestOf = async (repository: string, tag: string) =>
    (await world.ecr.send('DescribeImages', { repositoryName: repository, imageIds: [{ imageTag: tag }] })).imageDetails?.[0]?.imageDigest;

  it('sends one DescribeImages per repository for look-ups made in the same tick', async () => {
    const r = resolver();
    const answers = await Promise.all([r.lookup(web('1.0')), r.lookup(web('2.0')), r.lookup(web('1.0')), r.lookup(ref(`${world.repositoryUri('api')}:1.0`))]);
    expect(answers.map(plain)).toEqual([
      { result: 'found', digest: await digestOf('web', '1.0') },
      { result: 'found', digest: await digestOf('web', '2.0') },
      { result: 'found', digest: await digestOf('web', '1.0') },
      { result: 'found', digest: await digestOf('api', '1.0') },
    ]);
    for (const a of answers) expect(a.result === 'found' && typeof a.pushedAt).toBe('number');
    expect(calls).toEqual([{ operation: 'DescribeImages', ids: 2 }, { operation: 'DescribeImages', ids: 1 }]);
    expect(checks).toEqual(['found', 'found', 'found']);
  });

  it('prefetch batches a whole pass; later look-ups in the TTL are answered from the cache', async () => {
    const r = resolver();
    await r.prefetch([web('1.0'), web('2.0'), web('1.0')]);
    expect(calls).toEqual([{ operation: 'DescribeImages', ids: 2 }]);
    expect(plain(await r.lookup(web('2.0')))).toEqual({ result: 'found', digest: await digestOf('web', '2.0') });
    expect(calls).toHaveLength(1);
  });

  it('tells which of several ids is missing (the batch fails as a whole, then one listing)', async () => {
    const digest = await digestOf('web', '1.0') ?? '';
    const r = resolver();
    const answers = await Promise.all([
      r.lookup(web('1.0')), r.lookup(web('9.9')), r.lookup(ref(`${world.repositoryUri('web')}@${digest}`)),
      r.lookup(ref(`${world.repositoryUri('web')}@sha256:${'0'.repeat(64)}`)),
    ]);
    expect(answers.map(plain)).toEqual([
      { result: 'found', digest },
      { result: 'missing', message: `image not found: ${world.repositoryUri('web')}:9.9` },
      { result: 'found', digest },
      { result: 'missing', message: `image not found: ${world.repositoryUri('web')}@sha256:${'0'.repeat(64)}` },
    ]);
    expect(calls.map((c) => c.operation)).toEqual(['DescribeImages', 'DescribeImages']);
    expect(calls[1]?.ids).toBe(0);
    expect(checks.sort()).toEqual(['found', 'found', 'missing', 'missing']);
  });

  it('reports a repository missing from a registry it may read as missing: the image is proven absent', async () => {
    const image = ref(`${world.repositoryUri('nope')}:1.0`);
    const answer = await resolver().lookup(image);
    expect(answer.result).toBe('missing');
    expect(answer.result !== 'found' && answer.message).toContain(`image not found: ${image.base}:1.0 (repository nope does not exist in registry ${world.accountId})`);
    expect(checks).toEqual(['missing']);
  });

  it('reports another account\'s registry, which denies the read, as unverified, naming the repository', async () => {
    const image = ref('999999999999.dkr.ecr.eu-west-1.amazonaws.com/web:1.0');
    const answer = await resolver().lookup(image);
    expect(answer.result).toBe('unverified');
    expect(answer.result !== 'found' && answer.message).toContain(`repository ${image.base} cannot be read by the controller (AccessDeniedException`);
    expect(checks).toEqual(['unverified']);
  });

  it('caches found digests for the TTL and re-checks missing images when asked', async () => {
    const clock = new FakeClock();
    const r = resolver(clock, { ttlMs: 60_000 });
    expect((await r.lookup(web('1.0'))).result).toBe('found');
    expect((await r.lookup(web('3.0'))).result).toBe('missing');
    expect(r.needsRecheck(web('3.0'))).toBe(true);
    expect(r.needsRecheck(web('1.0'))).toBe(false);
    await r.lookup(web('1.0'));
    await r.lookup(web('3.0'));
    expect(calls).toHaveLength(2);

    world.pushImage('web', '3.0');
    world.pushImage('web', '1.0');
    await r.prefetch([web('3.0')]);
    expect(r.needsRecheck(web('3.0'))).toBe(false);
    expect(plain(await r.lookup(web('3.0')))).toEqual({ result: 'found', digest: await digestOf('web', '3.0') });
    // 1.0 moved, but its old digest is trusted until the TTL runs out.
    const old = await r.lookup(web('1.0'));
    await clock.advance(60_000);
    const fresh = await r.lookup(web('1.0'));
    expect(plain(fresh)).toEqual({ result: 'found', digest: await digestOf('web', '1.0') });
    expect(fresh).not.toEqual(old);
    expect(calls).toHaveLength(4);
  });

  it('does not cache failed look-ups', async () => {
    const { api: closed } = createSdkEcrApi({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', credentials: { accessKeyId: world.accountId, secretAccessKey: 'x' } });
    let sent = 0;
    const r = new ImageResolver({
      ecr: () => ({ send: (op, input, signal) => { sent++; return closed.send(op, input, signal); } }), clock: systemClock,
    });
    const first = await r.lookup(web('1.0'));
    expect(first.result).toBe('error');
    expect(first.result !== 'found' && first.message).toContain('ECR DescribeImages on');
    await r.lookup(web('1.0'));
    expect(sent).toBe(2);
  });

  it('classifies AccessDeniedException as unverified and other AWS errors as error (narrow fake)', async () => {
    const failing = (name: string): EcrApi => ({
      send: () => Promise.reject(Object.assign(new Error(`${name}: not allowed`), { name })),
    });
    const denied = await new ImageResolver({ ecr: () => failing('AccessDeniedException'), clock: systemClock, rateLimit: false }).lookup(web('1.0'));
    expect(denied.result).toBe('unverified');
    const throttled = await new ImageResolver({ ecr: () => failing('ThrottlingException'), clock: systemClock, rateLimit: false }).lookup(web('1.0'));
    expect(throttled.result).toBe('error');
  });

  it('takes a token from its own bucket for every call', async () => {
    const clock = new FakeClock();
    const r = resolver(clock, { rateLimit: { burst: 1, refillPerSecond: 1 } });
    const first = r.lookup(web('1.0'));
    const second = r.lookup(ref(`${world.repositoryUri('api')}:1.0`));
    expect((await first).result).toBe('found');
    await eventually(() => calls.length === 1, () => calls);
    // The second repository's call waits for a token on the injected clock.
    await clock.advance(100);
    expect(calls).toHaveLength(1);
    await clock.advance(1000);
    expect((await second).result).toBe('found');
    expect(calls).toHaveLength(2);
  });

  it('names images the way users write them', () => {
    expect(imageName(web('1.0'))).toBe(`${world.repositoryUri('web')}:1.0`);
    expect(imageName(ref(`${world.repositoryUri('web')}`))).toBe(`${world.repositoryUri('web')}:latest`);
  });
});
