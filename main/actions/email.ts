/**
 * `email` actions (SPEC 19.8): a plain-text mail naming the run, sent over SMTP with the settings block `smtp`, its
 * Message-ID made of the outbox key so a repeat after a crash can be recognised.
 *
 * nodemailer speaks SMTP: STARTTLS with certificate checks, AUTH, dot-stuffing, header encoding and line lengths are
 * its business, not ours (a hand-written client would get one of them wrong). It has no dependencies.
 */
import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../engine/settings.js';
import type { TemplateOptions } from '../templating/index.js';
import {
  ATTEMPT_TIMEOUT_MS,
  deliver,
  PermanentAlertError,
  renderAlert,
  type AlertFacts,
  type Delivery,
} from './alerts.js';
import type { EmailActionSpec } from './spec.js';

/** The subject of a mail: one line, at most 998 characters (RFC 5322's line limit). */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').slice(0, 998);
}

/** The mail's text: the same facts as a webhook's body, for a person. */
export function emailText(facts: AlertFacts): string {
  const args = Object.entries(facts.args).map(([k, v]) => `${k}=${v}`);
  const times = Object.entries(facts.times)
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `  ${k.padEnd(10)} ${v}`);
  const cut = facts.output_length > Buffer.byteLength(facts.output);
  return [
    `Run ${facts.run_id} of ${facts.job_id} is ${facts.state}.`,
    '',
    `job:   ${facts.job_id}`,
    `run:   ${facts.run_id}`,
    `args:  ${args.length === 0 ? '(none)' : args.join(' ')}`,
    `state: ${facts.state}`,
    'times:',
    ...times,
    '',
    facts.output_length === 0
      ? 'No output.'
      : `${cut ? `The last ${Buffer.byteLength(facts.output)} of ${facts.output_length} bytes` : 'The output'}:`,
    ...(facts.output_length === 0 ? [] : ['', facts.output]),
  ].join('\n');
}

/** Performs the email, retrying as `deliver` does; resolves once the server took it, throws once given up. */
export async function performEmail(
  action: EmailActionSpec,
  facts: AlertFacts,
  key: string,
  smtp: SmtpSettings | null,
  d: Delivery,
  templates: TemplateOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  if (smtp === null)
    throw new PermanentAlertError(
      'email action: no SMTP server is set; add smtp: {host, from} to the settings (.apsis.yaml or --config)',
    );
  let pass: string | undefined;
  if (smtp.user !== null) {
    pass = smtp.password_env === null ? undefined : env[smtp.password_env];
    if (pass === undefined)
      throw new PermanentAlertError(
        `email action: the environment variable ${smtp.password_env ?? '?'} (smtp.password_env) is not set`,
      );
  }
  const subject = oneLine(
    action.subject === undefined
      ? `apsis: ${facts.job_id} ${facts.run_id} ${facts.state}`
      : renderAlert(action.subject, facts, 'email subject', templates),
  );
  const message = {
    from: smtp.from,
    to: action.to,
    subject,
    text: emailText(facts),
    messageId: `<${key}@${smtp.from.slice(smtp.from.lastIndexOf('@') + 1)}>`,
    headers: { 'X-Apsis-Run': facts.run_id },
  };
  await deliver(`email to ${action.to.join(', ')}`, d, async (signal) => {
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      requireTLS: smtp.starttls,
      ignoreTLS: !smtp.starttls,
      ...(smtp.user === null ? {} : { auth: { user: smtp.user, pass: pass as string } }),
      connectionTimeout: ATTEMPT_TIMEOUT_MS,
      greetingTimeout: ATTEMPT_TIMEOUT_MS,
      socketTimeout: ATTEMPT_TIMEOUT_MS,
      // A mail is built from our own text only: no file or URL is ever read into it.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      const sent = transport.sendMail(message);
      const aborted = new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason as Error);
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
      // The losing promise must not become an unhandled rejection.
      sent.catch(() => {});
      aborted.catch(() => {});
      const info = (await Promise.race([sent, aborted])) as { response?: unknown };
      return `accepted: ${typeof info.response === 'string' ? oneLine(info.response).slice(0, 200) : 'ok'}`;
    } finally {
      transport.close();
    }
  });
}
