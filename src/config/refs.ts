import { type RawFile } from './schema';
import { PERSON_CHANNELS, type PersonChannel } from './vocabulary';

/**
 * The second pass over a structurally valid file: ids are unique and every id that one section
 * uses exists in the section that defines it. Done here rather than in zod because it needs the
 * whole file at once, and its messages name the YAML path (`services[0].owner: unknown group "x"`).
 * Warnings are for things that are valid but probably not what was meant.
 */
export interface RefReport {
  problems: string[];
  warnings: string[];
}

/** Context the checks may use beyond the file itself. */
export interface RefContext {
  /** Whether `PAGERDUTY_ROUTING_KEY` is set, so a rule without its own key still works. */
  pagerdutyKeyInEnv: boolean;
}

type IdSet = ReadonlySet<string>;

export function checkReferences(file: RawFile, context: RefContext): RefReport {
  const problems: string[] = [];
  const warnings: string[] = [];

  const unique = (items: readonly { id: string }[], section: string, key = 'id'): IdSet => {
    const firstAt = new Map<string, number>();
    items.forEach((item, i) => {
      const first = firstAt.get(item.id);
      if (first === undefined) firstAt.set(item.id, i);
      else
        problems.push(
          `${section}[${i}].${key}: duplicate ${key} "${item.id}" (first at ${section}[${first}])`,
        );
    });
    return new Set(firstAt.keys());
  };
  const exists = (known: IdSet, noun: string, path: string, id: string | undefined): void => {
    if (id !== undefined && !known.has(id)) problems.push(`${path}: unknown ${noun} "${id}"`);
  };
  const allExist = (known: IdSet, noun: string, path: string, ids: readonly string[] | undefined): void =>
    ids?.forEach((id, i) => exists(known, noun, `${path}[${i}]`, id));

  const people = unique(file.people, 'people');
  const groups = unique(file.groups, 'groups');
  const services = unique(file.services, 'services');
  const schedules = unique(file.schedules, 'schedules');
  const policies = unique(file.escalation_policies, 'escalation_policies');
  const webhooks = unique(file.webhooks, 'webhooks');
  const components = unique(file.status_page.components, 'status_page.components');
  unique(file.integrations, 'integrations');
  unique(
    file.rules.map((r) => ({ id: r.name })),
    'rules',
    'name',
  );

  const keywords = ['everyone', 'owners', 'oncall'];
  file.groups.forEach((g, i) => {
    if (keywords.includes(g.id))
      problems.push(`groups[${i}].id: "${g.id}" is reserved in slack.permissions; choose another id`);
  });
  for (const [action, entries] of Object.entries(file.slack.permissions)) {
    entries.forEach((entry, i) => {
      if (keywords.includes(entry) || /^[UW][A-Z0-9]+$/.test(entry) || groups.has(entry)) return;
      problems.push(
        `slack.permissions.${action}[${i}]: unknown group "${entry}" (expected a group id, a Slack user ID, "everyone", "owners" or "oncall")`,
      );
    });
  }
  if (file.slack.permissions.publish.includes('everyone')) {
    warnings.push(
      'slack.permissions.publish: everyone may put incidents, titles and public messages on the status page and in subscriber mail; name groups, owners or oncall instead',
    );
  }

  file.services.forEach((s, i) => {
    exists(groups, 'group', `services[${i}].owner`, s.owner);
    exists(components, 'status page component', `services[${i}].component`, s.component);
    exists(policies, 'escalation policy', `services[${i}].escalation_policy`, s.escalation_policy);
  });

  file.groups.forEach((g, i) => allExist(people, 'person', `groups[${i}].members`, g.members));

  file.schedules.forEach((s, i) => {
    s.layers.forEach((l, j) => allExist(people, 'person', `schedules[${i}].layers[${j}].members`, l.members));
    s.overrides.forEach((o, j) =>
      exists(people, 'person', `schedules[${i}].overrides[${j}].person`, o.person),
    );
  });

  file.escalation_policies.forEach((p, i) =>
    p.levels.forEach((l, j) =>
      l.targets.forEach((t, k) => {
        const path = `escalation_policies[${i}].levels[${j}].targets[${k}]`;
        if ('person' in t) exists(people, 'person', `${path}.person`, t.person);
        if ('group' in t) exists(groups, 'group', `${path}.group`, t.group);
        if ('schedule' in t) exists(schedules, 'schedule', `${path}.schedule`, t.schedule);
      }),
    ),
  );

  const audiences = new Set(file.people.map((p) => p.audience));
  file.rules.forEach((r, i) => {
    const path = `rules[${i}]`;
    allExist(services, 'service', `${path}.when.services`, r.when.services);
    allExist(people, 'person', `${path}.notify.people`, r.notify.people);
    allExist(groups, 'group', `${path}.notify.groups`, r.notify.groups);
    allExist(webhooks, 'webhook', `${path}.notify.webhooks`, r.notify.webhooks);
    exists(policies, 'escalation policy', `${path}.escalation_policy`, r.escalation_policy);

    const { notify } = r;
    const personChannels = notify.channels.filter((c): c is PersonChannel =>
      (PERSON_CHANNELS as readonly string[]).includes(c),
    );
    const recipients = notify.audiences.length + notify.people.length + notify.groups.length;
    if (personChannels.length > 0 && recipients === 0 && r.escalation_policy === undefined) {
      warnings.push(
        `${path}.notify: channels ${personChannels.join(', ')} reach people, but the rule names no audiences, people, groups or escalation_policy`,
      );
    }
    notify.audiences.forEach((a, j) => {
      if (!audiences.has(a)) warnings.push(`${path}.notify.audiences[${j}]: no person has audience "${a}"`);
    });
    if (notify.webhooks.length > 0 && !notify.channels.includes('webhook')) {
      warnings.push(`${path}.notify.webhooks: ignored, because channels do not include webhook`);
    }
    if (
      notify.channels.includes('pagerduty') &&
      notify.pagerduty_routing_key === undefined &&
      !context.pagerdutyKeyInEnv
    ) {
      warnings.push(
        `${path}.notify.channels: pagerduty has no routing key (set pagerduty_routing_key or PAGERDUTY_ROUTING_KEY); its deliveries will be skipped`,
      );
    }
  });

  file.integrations.forEach((integ, i) => {
    exists(services, 'service', `integrations[${i}].default_service`, integ.default_service);
    integ.rules.forEach((rule, j) => {
      exists(services, 'service', `integrations[${i}].rules[${j}].service`, rule.service);
      rule.match.forEach((m, k) => {
        try {
          new RegExp(`^(?:${m.regex})$`);
        } catch {
          problems.push(`integrations[${i}].rules[${j}].match[${k}].regex: not a valid regular expression`);
        }
      });
    });
  });

  file.people.forEach((p, i) => {
    if (p.contact_order.length === 0) {
      warnings.push(
        `people[${i}]: "${p.id}" has no slack_user_id, email or phone, so no channel can reach them`,
      );
    }
    if (p.digest_at !== undefined && p.audience !== 'executive') {
      warnings.push(
        `people[${i}].digest_at: ignored, the daily digest is for executives (audience is ${p.audience})`,
      );
    }
  });
  file.webhooks.forEach((w, i) => {
    if (w.secret === undefined) warnings.push(`webhooks[${i}].secret: not set, deliveries will be unsigned`);
  });

  return { problems, warnings };
}
