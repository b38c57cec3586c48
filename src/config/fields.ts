/**
 * Field-level schemas shared by the config schema: names, domains, quantities, schedules.
 * Each refusal says what a valid value looks like.
 */
import { z } from './zod.ts';
import { cronProblem } from './cron.ts';

/** DNS-1123 label: what Kubernetes accepts as a namespace, Service or label-safe name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = (max = 63) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(DNS_LABEL, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit');

const HOSTNAME = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/;

export const domain = z.string().superRefine((d, ctx) => {
  const problem =
    d.length > 253
      ? 'must be at most 253 characters'
      : /^[a-z][a-z0-9+.-]*:\/\//i.test(d)
        ? 'must be a bare host name without a scheme (drop "https://")'
        : d.includes('/')
          ? 'must be a host name only; put the path in the `path` field'
          : d !== d.toLowerCase()
            ? 'must be lowercase'
            : !HOSTNAME.test(d)
              ? 'must be a host name like "app.example.com"'
              : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const urlPath = z.string().regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, 'must start with "/" and contain only URL path characters');

/** Kubernetes resource quantity (`100m`, `0.5`, `256Mi`, `1G`). */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
export const quantity = z
  .union([z.string(), z.number().nonnegative()])
  .transform((v) => String(v))
  .refine((v) => QUANTITY.test(v), 'must be a Kubernetes quantity such as "250m", "0.5", "512Mi" or "10Gi"');

export const cronSchedule = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron schedule "${value}": ${problem}` });
});

/** An image reference without a tag or digest is completed by the deploy's tag. */
export const image = z
  .string()
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    'must be an image reference like "ghcr.io/org/app" or "ghcr.io/org/app:1.2.3" (lowercase repository)',
  );

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|\d?\d)$/;
export const cidr = z
  .string()
  .refine((v) => IPV4_CIDR.test(v) || IPV6_CIDR.test(v), 'must be an address range in CIDR form, e.g. "10.0.1.0/24" or "10.0.1.5/32"');

export const command = z.array(z.string()).min(1, 'must have at least the program to run, e.g. ["node", "worker.js"]');

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name (letters, digits, "_")');

export const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as "Europe/Berlin" or "Australia/Perth"');
