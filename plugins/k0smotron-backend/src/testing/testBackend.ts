// Helpers of the integration tests: a Backstage test backend wired to the real test cluster,
// with permissions decided per permission name and every log line captured.
import { coreServices, createServiceFactory, type LoggerService } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend, type TestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import { poller } from '@k0smotron/testenv';

/** A LoggerService that records every line (message and metadata) for later greps. */
export class CapturingLogger implements LoggerService {
  constructor(
    readonly lines: string[] = [],
    private readonly meta: JsonObject = {},
    private readonly echo = process.env.K0SMOTRON_TEST_LOGS === '1',
  ) {}
  private write(level: string, message: string, meta?: Error | JsonObject) {
    const extra = meta instanceof Error ? { error: meta.message, stack: meta.stack ?? '' } : meta;
    const line = `${level} ${message} ${JSON.stringify({ ...this.meta, ...(extra ?? {}) })}`;
    this.lines.push(line);
    if (this.echo) process.stderr.write(`${line}\n`);
  }
  error(message: string, meta?: Error | JsonObject) {
    this.write('error', message, meta);
  }
  warn(message: string, meta?: Error | JsonObject) {
    this.write('warn', message, meta);
  }
  info(message: string, meta?: Error | JsonObject) {
    this.write('info', message, meta);
  }
  debug(message: string, meta?: Error | JsonObject) {
    this.write('debug', message, meta);
  }
  child(meta: JsonObject): LoggerService {
    return new CapturingLogger(this.lines, { ...this.meta, ...meta }, this.echo);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export function capturingRootLoggerFactory(logger: CapturingLogger) {
  return createServiceFactory({ service: coreServices.rootLogger, deps: {}, factory: () => logger });
}

/**
 * Permissions that deny exactly the names in `denied` (mutable between requests), for tests of
 * a route's own behaviour; the permission matrix (permissionMatrix.itest.ts) uses a real policy.
 */
export function permissionsDenying(denied: Set<string>) {
  const decide = (name: string) => (denied.has(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW);
  return mockServices.permissions.mock({
    authorize: async requests => requests.map(r => ({ result: decide(r.permission.name) })),
    authorizeConditional: async requests => requests.map(r => ({ result: decide(r.permission.name) })),
  }).factory;
}

export interface K0smotronTestBackend {
  backend: TestBackend;
  logs: CapturingLogger;
  denied: Set<string>;
}

export async function startK0smotronTestBackend(opts: {
  config: JsonObject;
  features: Parameters<typeof startTestBackend>[0]['features'];
  logs?: CapturingLogger;
}): Promise<K0smotronTestBackend> {
  const logs = opts.logs ?? new CapturingLogger();
  const denied = new Set<string>();
  const backend = await startTestBackend({
    features: [...(opts.features ?? []), mockServices.rootConfig.factory({ data: opts.config }), permissionsDenying(denied), capturingRootLoggerFactory(logs)],
  });
  return { backend, logs, denied };
}

/** Polling with this suite's defaults (a backend answers within seconds). */
export const eventually = poller({ timeoutMs: 20_000, everyMs: 200 });

/** Strings that must never show up in a log line. */
export function secretPatterns(): RegExp[] {
  return [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\bclient-key-data\b/, /\btoken:\s*\S{20,}/i];
}
