import { describe, expect, it } from 'vitest';
import { isStaticField, substituteString } from '../../src/render/index.js';
import type { RenderScope } from '../../src/render/index.js';

const SCOPE: RenderScope = {
  environment: 'prod',
  account: '222222222222',
  region: 'eu-central-1',
  variables: { TAG: 'v1.2.3', DB_HOST: 'db.prod.internal', LOOKS_LIKE_VAR: '${var.TAG}', LOOKS_LIKE_SSM: '${ssm:/x}', EMPTY: '' },
};

describe('substituteString: variables and escapes', () => {
  it.each([
    ['${var.TAG}', 'v1.2.3'],
    ['repo/api:${var.TAG}', 'repo/api:v1.2.3'],
    ['${var.DB_HOST}:5432/${env.name}', 'db.prod.internal:5432/prod'],
    ['${env.name}-${env.account}-${env.region}', 'prod-222222222222-eu-central-1'],
    ['[${var.EMPTY}]', '[]'],
    // `$${var.`, `$${env.`, `$${ssm:` and `$${cfn:` are escapes: the reference is written literally.
    ['$${var.TAG}', '${var.TAG}'],
    ['$${env.name}', '${env.name}'],
    ['$${ssm:/a}', '${ssm:/a}'],
    ['$${cfn:net.Vpc}', '${cfn:net.Vpc}'],
    ['$${var.}', '${var.}'],
    ['$$${var.TAG}', '$${var.TAG}'],
    ['x$${var.TAG}y${var.TAG}', 'x${var.TAG}yv1.2.3'],
    // Any other `$${` is left exactly as written (a shell's escape in a command).
    ['$${HOME}', '$${HOME}'],
    ['echo $${HOME} ${HOME}', 'echo $${HOME} ${HOME}'],
    ['a $${ b', 'a $${ b'],
    ['$${', '$${'],
    ['$${var', '$${var'],
    ['$${Var.TAG}', '$${Var.TAG}'],
    // Not ours: left as written.
    ['${HOME}/bin', '${HOME}/bin'],
    ['${FOO:-default}', '${FOO:-default}'],
    ['$HOME and $$ and $', '$HOME and $$ and $'],
    ['${ var.TAG }', '${ var.TAG }'],
    ['${Var.TAG}', '${Var.TAG}'],
    ['${', '${'],
    ['echo ${PATH} ${var.TAG}', 'echo ${PATH} v1.2.3'],
    // Values are inserted literally, never scanned again.
    ['${var.LOOKS_LIKE_VAR}', '${var.TAG}'],
    ['${var.LOOKS_LIKE_SSM}', '${ssm:/x}'],
    ['no dollar', 'no dollar'],
  ])('%s -> %s', (text, expected) => {
    const result = substituteString(text, SCOPE);
    expect(result.problems).toEqual([]);
    expect(result.text).toBe(expected);
    expect(result.lookups).toEqual([]);
  });
});

describe('substituteString: lookups stay in the string and are reported', () => {
  it.each([
    ['${ssm:/app/prod/subnet}', '${ssm:/app/prod/subnet}', [{ lookup: { source: 'ssm', parameter: '/app/prod/subnet', text: '${ssm:/app/prod/subnet}' }, offset: 0 }]],
    ['${ssm:plain_name.v-1}', '${ssm:plain_name.v-1}', [{ lookup: { source: 'ssm', parameter: 'plain_name.v-1', text: '${ssm:plain_name.v-1}' }, offset: 0 }]],
    ['${cfn:network-prod.PrivateSubnetA}', '${cfn:network-prod.PrivateSubnetA}',
      [{ lookup: { source: 'cfn', stack: 'network-prod', output: 'PrivateSubnetA', text: '${cfn:network-prod.PrivateSubnetA}' }, offset: 0 }]],
    [
      'arn:${cfn:lb.TargetGroup}/${ssm:/x}-${var.TAG}',
      'arn:${cfn:lb.TargetGroup}/${ssm:/x}-v1.2.3',
      [
        { lookup: { source: 'cfn', stack: 'lb', output: 'TargetGroup', text: '${cfn:lb.TargetGroup}' }, offset: 4 },
        { lookup: { source: 'ssm', parameter: '/x', text: '${ssm:/x}' }, offset: 26 },
      ],
    ],
    // Offsets are into the substituted text: a variable before a lookup moves it.
    ['${var.TAG}:${ssm:/x}', 'v1.2.3:${ssm:/x}', [{ lookup: { source: 'ssm', parameter: '/x', text: '${ssm:/x}' }, offset: 7 }]],
    ['${var.EMPTY}${ssm:/x}', '${ssm:/x}', [{ lookup: { source: 'ssm', parameter: '/x', text: '${ssm:/x}' }, offset: 0 }]],
    // An escaped lookup renders to the same text as a real one; only the real one is reported, at its own offset.
    ['$${ssm:/a} ${ssm:/a}', '${ssm:/a} ${ssm:/a}', [{ lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 10 }]],
    ['${ssm:/a} $${ssm:/a}', '${ssm:/a} ${ssm:/a}', [{ lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 0 }]],
    ['$${cfn:s.O}${cfn:s.O}$${cfn:s.O}', '${cfn:s.O}${cfn:s.O}${cfn:s.O}', [{ lookup: { source: 'cfn', stack: 's', output: 'O', text: '${cfn:s.O}' }, offset: 10 }]],
    ['$${HOME} ${ssm:/a}', '$${HOME} ${ssm:/a}', [{ lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 9 }]],
    ['${ssm:/a}${ssm:/a}', '${ssm:/a}${ssm:/a}', [
      { lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 0 },
      { lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 9 },
    ]],
    [`\${ssm:/${'a'.repeat(2047)}}`, `\${ssm:/${'a'.repeat(2047)}}`, [{ lookup: { source: 'ssm', parameter: `/${'a'.repeat(2047)}`, text: `\${ssm:/${'a'.repeat(2047)}}` }, offset: 0 }]],
  ])('%s', (text, rendered, expected) => {
    const result = substituteString(text, SCOPE);
    expect(result.problems).toEqual([]);
    expect(result.lookups).toEqual(expected);
    expect(result.text).toBe(rendered);
    for (const found of result.lookups) expect(result.text.startsWith(found.lookup.text, found.offset)).toBe(true);
  });

  it('collects lookups without an environment too', () => {
    expect(substituteString('${ssm:/a}', undefined)).toEqual({ text: '${ssm:/a}', lookups: [{ lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 0 }], problems: [] });
  });
});

describe('substituteString: problems', () => {
  it.each([
    ['${var.}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${var.}": write ${var.NAME} with NAME of letters, digits and _ (not starting with a digit); write $${var. for a literal ${var.'],
    ['${var.1A}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${var.1A}": write ${var.NAME} with NAME of letters, digits and _ (not starting with a digit); write $${var. for a literal ${var.'],
    ['x ${var.TAG', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${var.TAG": write ${var.NAME} with NAME of letters, digits and _ (not starting with a digit); write $${var. for a literal ${var.'],
    ['${var.A-B}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${var.A-B}": write ${var.NAME} with NAME of letters, digits and _ (not starting with a digit); write $${var. for a literal ${var.'],
    ['${env.}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${env.}": write ${env.name}, ${env.account} or ${env.region}; write $${env. for a literal ${env.'],
    ['${ssm:}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${ssm:}": write ${ssm:NAME} with an SSM parameter name of 1 to 2048 letters, digits and _ . - /; write $${ssm: for a literal ${ssm:'],
    ['${ssm:/a b}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${ssm:/a b}": write ${ssm:NAME} with an SSM parameter name of 1 to 2048 letters, digits and _ . - /; write $${ssm: for a literal ${ssm:'],
    [`\${ssm:/${'a'.repeat(2048)}}`, 'MANIFEST_BAD_SUBSTITUTION', `malformed reference "\${ssm:/${'a'.repeat(33)}…": write \${ssm:NAME} with an SSM parameter name of 1 to 2048 letters, digits and _ . - /; write $\${ssm: for a literal \${ssm:`],
    ['${cfn:stack}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${cfn:stack}": write ${cfn:STACK.OutputKey}: a stack name (a letter, then up to 127 letters, digits and -), a dot, an output key of letters and digits; write $${cfn: for a literal ${cfn:'],
    ['${cfn:1stack.Out}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${cfn:1stack.Out}": write ${cfn:STACK.OutputKey}: a stack name (a letter, then up to 127 letters, digits and -), a dot, an output key of letters and digits; write $${cfn: for a literal ${cfn:'],
    ['${cfn:stack.Out-Key}', 'MANIFEST_BAD_SUBSTITUTION', 'malformed reference "${cfn:stack.Out-Key}": write ${cfn:STACK.OutputKey}: a stack name (a letter, then up to 127 letters, digits and -), a dot, an output key of letters and digits; write $${cfn: for a literal ${cfn:'],
    ['${var.TGA}', 'MANIFEST_UNKNOWN_VARIABLE', "${var.TGA} is not defined in environment prod's spec.variables: it defines TAG, DB_HOST, LOOKS_LIKE_VAR, LOOKS_LIKE_SSM, EMPTY (did you mean ${var.TAG}?)"],
    ['${var.NOPE_AT_ALL}', 'MANIFEST_UNKNOWN_VARIABLE', "${var.NOPE_AT_ALL} is not defined in environment prod's spec.variables: it defines TAG, DB_HOST, LOOKS_LIKE_VAR, LOOKS_LIKE_SSM, EMPTY"],
    // An inherited member is no variable.
    ['${var.constructor}', 'MANIFEST_UNKNOWN_VARIABLE', "${var.constructor} is not defined in environment prod's spec.variables: it defines TAG, DB_HOST, LOOKS_LIKE_VAR, LOOKS_LIKE_SSM, EMPTY"],
    ['${env.acount}', 'MANIFEST_UNKNOWN_VARIABLE', '${env.acount} is not an environment field: ${env.} knows name, account and region (did you mean ${env.account}?)'],
    ['${env.cluster}', 'MANIFEST_UNKNOWN_VARIABLE', '${env.cluster} is not an environment field: ${env.} knows name, account and region'],
  ])('%s: %s', (text, code, message) => {
    const result = substituteString(text, SCOPE);
    expect(result.problems).toEqual([{ code, message }]);
    // What could not be substituted is left as written.
    expect(result.text).toBe(text);
  });

  it('says a variable needs an environment in a document without one', () => {
    const result = substituteString('${var.TAG} ${env.name}', undefined);
    expect(result.text).toBe('${var.TAG} ${env.name}');
    expect(result.problems).toEqual([
      { code: 'MANIFEST_UNKNOWN_VARIABLE', message: '${var.TAG} needs an environment, and this document lists none in metadata.environments: write the value itself, or list the environments it is rendered for' },
      { code: 'MANIFEST_UNKNOWN_VARIABLE', message: '${env.name} needs an environment, and this document lists none in metadata.environments: write the value itself, or list the environments it is rendered for' },
    ]);
  });

  it('an environment with no variables says so', () => {
    expect(substituteString('${var.X}', { ...SCOPE, variables: {} }).problems[0]?.message).toBe("${var.X} is not defined in environment prod's spec.variables: it defines no variables");
  });

  it('reports each problem of a string and substitutes the rest', () => {
    const result = substituteString('${var.TAG}-${var.}-${var.NOPE}-${env.region}', SCOPE);
    expect(result.text).toBe('v1.2.3-${var.}-${var.NOPE}-eu-central-1');
    expect(result.problems.map((p) => p.code)).toEqual(['MANIFEST_BAD_SUBSTITUTION', 'MANIFEST_UNKNOWN_VARIABLE']);
  });

  it('scans a long string in linear time', () => {
    const text = '${var.TAG} $${x} $${var.X} ${HOME} '.repeat(20000);
    const started = performance.now();
    const result = substituteString(text, SCOPE);
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.text.length).toBe(text.length + 20000 * ('v1.2.3'.length - '${var.TAG}'.length - 1));
    expect(result.text.startsWith('v1.2.3 $${x} ${var.X} ${HOME} v1.2.3')).toBe(true);
  });
});

describe('isStaticField', () => {
  it.each([
    ['Service', '/apiVersion', true],
    ['Service', '/kind', true],
    ['Service', '/metadata/name', true],
    ['Service', '/metadata/cluster', true],
    ['Service', '/spec/sync/mode', true],
    ['Service', '/spec/sync/ignoreDifferences/0', true],
    ['Service', '/spec/taskDefinition/family', true],
    ['Service', '/spec/taskDefinition/containerDefinitions/0/name', true],
    ['Service', '/spec/hooks/preDeploy/0/name', true],
    ['Service', '/spec/hooks/postDeploy/2/name', true],
    ['Service', '/spec/hooks/preDeploy/0/taskDefinition/family', true],
    ['Service', '/spec/hooks/preDeploy/0/taskDefinition/containerDefinitions/1/name', true],
    ['Service', '/spec/autoScaling/targetTracking/0/name', true],
    ['Service', '/spec/autoScaling/scheduled/3/name', true],
    ['ScheduledTask', '/spec/schedule', true],
    ['ScheduledTask', '/spec/timezone', true],
    ['ScheduledTask', '/spec/taskDefinition/family', true],
    ['Cluster', '/metadata/name', true],
    // Lookups welcome.
    ['Service', '/spec/schedule', false],
    ['Service', '/spec/taskDefinition/containerDefinitions/0/image', false],
    ['Service', '/spec/taskDefinition/containerDefinitions/0/environment/0/value', false],
    ['Service', '/spec/taskDefinition/containerDefinitions/0/environment/0/name', false],
    ['Service', '/spec/taskDefinition/executionRoleArn', false],
    ['Service', '/spec/networkConfiguration/awsvpcConfiguration/subnets/0', false],
    ['Service', '/spec/loadBalancers/0/targetGroupArn', false],
    ['Service', '/spec/tags/team', false],
    ['Service', '/spec/hooks/preDeploy/0/command/0', false],
    ['Service', '/spec/autoScaling/targetTracking/0/resourceLabel', false],
    ['ScheduledTask', '/spec/roleArn', false],
    ['ScheduledTask', '/spec/networkConfiguration/awsvpcConfiguration/subnets/0', false],
  ])('%s %s: %s', (kind, pointer, expected) => {
    expect(isStaticField(kind, pointer.slice(1).split('/'))).toBe(expected);
  });
});
