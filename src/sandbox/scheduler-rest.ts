/**
 * EventBridge Scheduler's rest-json routes (botocore scheduler 2021-06-30):
 * method + path (+ query) -> operation and its input, with the members the
 * model binds to the URI and query string. Requests arrive on the sandbox's
 * one port; these paths belong to no other API it serves.
 */
import type { JsonObject } from './json-input.js';

export interface RestRoute {
  readonly operation: string;
  readonly input: JsonObject;
}

type QueryBinding = readonly [query: string, member: string, kind?: 'number' | 'list'];

const SCHEDULE_QUERY: Record<string, readonly QueryBinding[]> = {
  GetSchedule: [['groupName', 'GroupName']],
  DeleteSchedule: [['groupName', 'GroupName'], ['clientToken', 'ClientToken']],
  ListSchedules: [['ScheduleGroup', 'GroupName'], ['NamePrefix', 'NamePrefix'], ['State', 'State'], ['MaxResults', 'MaxResults', 'number'], ['NextToken', 'NextToken']],
  DeleteScheduleGroup: [['clientToken', 'ClientToken']],
  ListScheduleGroups: [['NamePrefix', 'NamePrefix'], ['MaxResults', 'MaxResults', 'number'], ['NextToken', 'NextToken']],
  UntagResource: [['TagKeys', 'TagKeys', 'list']],
};

const ROUTES: readonly { readonly pattern: RegExp; readonly methods: Readonly<Record<string, string>>; readonly label?: string }[] = [
  { pattern: /^\/schedules\/([^/]+)$/, methods: { POST: 'CreateSchedule', GET: 'GetSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' }, label: 'Name' },
  { pattern: /^\/schedules\/?$/, methods: { GET: 'ListSchedules' } },
  { pattern: /^\/schedule-groups\/([^/]+)$/, methods: { POST: 'CreateScheduleGroup', GET: 'GetScheduleGroup', DELETE: 'DeleteScheduleGroup' }, label: 'Name' },
  { pattern: /^\/schedule-groups\/?$/, methods: { GET: 'ListScheduleGroups' } },
  { pattern: /^\/tags\/(.+)$/, methods: { POST: 'TagResource', GET: 'ListTagsForResource', DELETE: 'UntagResource' }, label: 'ResourceArn' },
];

/** True when a path is one of Scheduler's (whatever the method). */
export function isSchedulerPath(pathname: string): boolean {
  return ROUTES.some((r) => r.pattern.test(pathname));
}

/**
 * The operation a request names and its input (body members, URI label and
 * query members); undefined when no route matches the method and path.
 */
export function schedulerRoute(method: string, pathname: string, query: URLSearchParams, body: JsonObject): RestRoute | undefined {
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const operation = route.methods[method.toUpperCase()];
    if (!operation) return undefined;
    const input: JsonObject = { ...body };
    if (route.label) input[route.label] = decodeURIComponent(match[1] as string);
    for (const [name, member, kind] of SCHEDULE_QUERY[operation] ?? []) {
      if (kind === 'list') {
        const values = query.getAll(name);
        if (values.length > 0) input[member] = values;
        continue;
      }
      const value = query.get(name);
      if (value === null) continue;
      input[member] = kind === 'number' && /^-?\d+$/.test(value) ? Number(value) : value;
    }
    return { operation, input };
  }
  return undefined;
}
