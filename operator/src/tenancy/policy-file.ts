// The standalone operator's tenant policy: the `policy.yaml` of ConfigMap `k0smotron-policy`
// (mounted as a file, optional) with the flags on top. The rules themselves live in
// @k0smotron/api so Backstage and the CLI check the same ones.
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { parseTenantPolicy, PolicyError, type TenantPolicy } from '@k0smotron/api';

export interface PolicySources {
  /** Path of the policy file; a missing file means the defaults (the ConfigMap is optional). */
  file?: string;
  /** `--allowed-image-repositories`: replaces the file's list. */
  allowedImageRepositories?: string[];
  /** `--max-join-token-expiry`: replaces the file's value. */
  maxJoinTokenExpiry?: string;
  /** The operator's own namespace: never served, whatever the file says (its Secrets are the operator's). */
  operatorNamespace?: string;
}

export function loadPolicy(sources: PolicySources): { policy: TenantPolicy; source: string } {
  let raw: Record<string, unknown> = {};
  let source = 'defaults';
  if (sources.file && fs.existsSync(sources.file)) {
    let parsed: unknown;
    try {
      parsed = parse(fs.readFileSync(sources.file, 'utf8'));
    } catch (err) {
      throw new PolicyError(`policy file ${sources.file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new PolicyError(`policy file ${sources.file}: must be a mapping of policy keys`);
    }
    raw = (parsed ?? {}) as Record<string, unknown>;
    source = sources.file;
  }
  if (sources.allowedImageRepositories) raw = { ...raw, allowedImageRepositories: sources.allowedImageRepositories };
  if (sources.maxJoinTokenExpiry) raw = { ...raw, maxJoinTokenExpiry: sources.maxJoinTokenExpiry };
  const policy = parseTenantPolicy(raw, source === 'defaults' ? 'policy' : source);
  if (sources.operatorNamespace && !policy.deniedNamespaces.includes(sources.operatorNamespace)) {
    policy.deniedNamespaces.push(sources.operatorNamespace);
  }
  return { policy, source };
}
