// `kmc-entrypoint-<n>-config`: the script the controller container runs. It writes the k0s config
// from the ConfigMap env, puts the kine URL from the Secret env in place of the placeholder (so the
// URL only ever lives in the Secret and the process environment), then starts k0s as a controller.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { K0S_CONFIG_KEY, KINE_DATASOURCE_SECRET_KEY } from '@k0smotron/api';
import { KINE_PLACEHOLDER } from './k0s-config';
import { childMeta } from './meta';
import type { ClusterView } from './view';

export const ENTRYPOINT_KEY = 'k0smotron-entrypoint.sh';
export const ENTRYPOINT_PATH = '/k0smotron-entrypoint.sh';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function hasFlag(flags: string[], name: string): boolean {
  return flags.some((f) => f === name || f.startsWith(`${name}=`));
}

export function entrypointScript(view: ClusterView): string {
  const flags = [...view.controlPlaneFlags];
  if (!hasFlag(flags, '--config')) flags.push('--config=/etc/k0s/k0s.yaml');
  if (!hasFlag(flags, '--enable-dynamic-config')) flags.push('--enable-dynamic-config');
  const lines = [
    '#!/bin/sh',
    'set -eu',
    'mkdir -p /etc/k0s',
    `printf '%s' "$${K0S_CONFIG_KEY}" > /etc/k0s/k0s.yaml`,
  ];
  if (view.storage.type === 'kine' && view.storage.dataSourceSecretName) {
    lines.push(
      // sed with a delimiter that cannot appear in a URL's authority: escape \, | and & first.
      `url=$(printf '%s' "$${KINE_DATASOURCE_SECRET_KEY}" | sed -e 's/[\\\\|&]/\\\\&/g')`,
      `sed -i "s|${KINE_PLACEHOLDER}|$url|" /etc/k0s/k0s.yaml`,
    );
  }
  lines.push(`exec k0s controller ${flags.map(shellQuote).join(' ')}`);
  return lines.join('\n') + '\n';
}

export function desiredEntrypointConfigMap(view: ClusterView): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(view, view.names.entrypointConfigMap, 'entrypoint'),
    data: { [ENTRYPOINT_KEY]: entrypointScript(view) },
  };
}
