import { describe, expect, it } from 'vitest';
import { scheduleGroupName } from '../../src/scheduler/scheduler-api.js';

describe('scheduleGroupName', () => {
  it.each([
    ['ecs-gitops', 'ecs-gitops'],
    ['ecs-gitops-quickstart', 'ecs-gitops-quickstart'],
    ['team-a', 'ecs-gitops-team-a'],
    ['prod/eu west', 'ecs-gitops-prod-eu-west'],
  ])('%s -> %s', (controllerId, group) => {
    expect(scheduleGroupName(controllerId)).toBe(group);
  });

  it('always starts with the ecs-gitops prefix the IAM policy scopes writes to, within 64 valid characters', () => {
    for (const id of ['x'.repeat(300), 'ecs-gitops' + 'ü'.repeat(80), '@@@']) {
      const group = scheduleGroupName(id);
      expect(group).toMatch(/^ecs-gitops[0-9A-Za-z_.-]*$/);
      expect(group.length).toBeLessThanOrEqual(64);
    }
  });
});
