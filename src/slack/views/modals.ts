import type { HeraldConfig } from '../../config';
import { SEVERITIES, STATUSES, type Incident } from '../../incidents/incident';
import { CALLBACKS, INPUT_ACTION, INPUTS } from '../ids';
import { encodeMetadata, type ModalMetadata } from '../metadata';
import { plain } from '../mrkdwn';
import { option, type KnownBlock, type ModalView } from './blocks';
import { SEVERITY_STYLE, STATUS_LABEL } from './format';

/** Field limits shared by the modals and the submission parser (see listeners/views/state.ts). */
export const MAX = {
  title: 200,
  description: 3000,
  impact: 2000,
  message: 3000,
  publicMessage: 2000,
  summary: 3000,
  rootCause: 3000,
  publicTitle: 200,
};

/** The one option of the private checkboxes (its value is what a submission carries). */
export const PRIVATE_OPTION = 'private';

/** "Private": kept off the status page, feeds and subscriber mail, even once published. */
function privateInput(checked: boolean): KnownBlock {
  const opt = option('Private: never on the status page, feeds or subscriber mail', PRIVATE_OPTION);
  return {
    type: 'input',
    block_id: INPUTS.private,
    optional: true,
    label: text('Visibility'),
    element: {
      type: 'checkboxes',
      action_id: INPUT_ACTION,
      options: [opt],
      ...(checked ? { initial_options: [opt] } : {}),
    },
  };
}

const text = (s: string) => ({ type: 'plain_text' as const, text: s, emoji: true });

function textInput(
  block: string,
  label: string,
  opts: {
    multiline?: boolean;
    optional?: boolean;
    max: number;
    initial?: string;
    placeholder?: string;
    hint?: string;
  },
): KnownBlock {
  return {
    type: 'input',
    block_id: block,
    optional: opts.optional ?? false,
    label: text(label),
    ...(opts.hint ? { hint: text(opts.hint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION,
      multiline: opts.multiline ?? false,
      max_length: opts.max,
      ...(opts.initial ? { initial_value: opts.initial.slice(0, opts.max) } : {}),
      ...(opts.placeholder ? { placeholder: text(opts.placeholder) } : {}),
    },
  };
}

function modal(
  callbackId: string,
  title: string,
  submit: string,
  blocks: KnownBlock[],
  meta: ModalMetadata,
): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: text(plain(title, 24)),
    submit: text(submit),
    close: text('Cancel'),
    private_metadata: encodeMetadata(meta),
    blocks,
  };
}

/** `/incident declare [title]`: Title, Severity, Services (from config), Description, Impact. */
export function declareModal(config: HeraldConfig, opts: { title: string; meta: ModalMetadata }): ModalView {
  const blocks: KnownBlock[] = [
    textInput(INPUTS.title, 'Title', {
      max: MAX.title,
      initial: opts.title,
      placeholder: 'Checkout is failing',
    }),
    {
      type: 'input',
      block_id: INPUTS.severity,
      label: text('Severity'),
      element: {
        type: 'static_select',
        action_id: INPUT_ACTION,
        placeholder: text('How bad is it?'),
        options: SEVERITIES.map((s) => option(`${SEVERITY_STYLE[s].emoji} ${SEVERITY_STYLE[s].label}`, s)),
      },
    },
  ];
  if (config.file.services.length > 0) {
    blocks.push({
      type: 'input',
      block_id: INPUTS.services,
      optional: true,
      label: text('Services'),
      element: {
        type: 'multi_static_select',
        action_id: INPUT_ACTION,
        placeholder: text('Affected services'),
        options: config.file.services.slice(0, 100).map((s) => option(s.name, s.id)),
      },
    });
  }
  blocks.push(
    textInput(INPUTS.description, 'Description', {
      multiline: true,
      optional: true,
      max: MAX.description,
      hint: 'Internal: what responders know so far',
    }),
    textInput(INPUTS.impact, 'Impact', {
      multiline: true,
      optional: true,
      max: MAX.impact,
      placeholder: 'What customers notice',
    }),
    textInput(INPUTS.publicTitle, 'Public title', {
      optional: true,
      max: MAX.publicTitle,
      hint: 'Shown on the status page instead of the title; default: the title',
    }),
    privateInput(false),
  );
  return modal(CALLBACKS.declare, 'Declare an incident', 'Declare', blocks, opts.meta);
}

/** Update: status (open statuses; resolving has its own form), message, public message. */
export function updateModal(incident: Incident, meta: ModalMetadata): ModalView {
  const statuses = STATUSES.filter((s) => s !== 'resolved');
  const current = statuses.find((s) => s === incident.status);
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: INPUTS.status,
      label: text('Status'),
      element: {
        type: 'static_select',
        action_id: INPUT_ACTION,
        options: statuses.map((s) => option(STATUS_LABEL[s], s)),
        ...(current ? { initial_option: option(STATUS_LABEL[current], current) } : {}),
      },
    },
    textInput(INPUTS.message, 'Message', {
      multiline: true,
      max: MAX.message,
      hint: 'For responders (internal)',
    }),
    textInput(INPUTS.publicMessage, 'Public message', {
      multiline: true,
      optional: true,
      max: MAX.publicMessage,
      hint: 'Shown on the status page and mailed to subscribers (needs the publish permission)',
    }),
    privateInput(incident.private),
  ];
  return modal(CALLBACKS.update, `Update ${incident.ref}`, 'Post update', blocks, {
    ...meta,
    ref: incident.ref,
  });
}

/**
 * Publish: the public title to check (an alert's title names hosts; the suggested one does not)
 * before the incident goes on the status page, the feeds and subscriber mail.
 */
export function publishModal(incident: Incident, meta: ModalMetadata): ModalView {
  const blocks: KnownBlock[] = [
    textInput(INPUTS.publicTitle, 'Public title', {
      max: MAX.publicTitle,
      initial: incident.publicTitle,
      hint: 'What customers will read. Internal title: ' + plain(incident.title, 120),
    }),
  ];
  return modal(CALLBACKS.publish, `Publish ${incident.ref}`, 'Publish', blocks, {
    ...meta,
    ref: incident.ref,
  });
}

/** Resolve: resolution summary, root cause and an optional public message. */
export function resolveModal(incident: Incident, meta: ModalMetadata): ModalView {
  const blocks: KnownBlock[] = [
    textInput(INPUTS.summary, 'Resolution summary', {
      multiline: true,
      max: MAX.summary,
      placeholder: 'What fixed it',
    }),
    textInput(INPUTS.rootCause, 'Root cause', { multiline: true, optional: true, max: MAX.rootCause }),
    textInput(INPUTS.publicMessage, 'Public message', {
      multiline: true,
      optional: true,
      max: MAX.publicMessage,
      hint: 'Shown on the status page and mailed to subscribers (needs the publish permission)',
    }),
  ];
  return modal(CALLBACKS.resolve, `Resolve ${incident.ref}`, 'Resolve', blocks, {
    ...meta,
    ref: incident.ref,
  });
}
