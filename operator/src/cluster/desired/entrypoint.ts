// `kmc-entrypoint-<n>-config`: the script the controller container runs. It copies the
// certificates into k0s's PKI directory (upstream does this in a `certs-init` init container; see
// CERTS_DIR), writes the k0s config from the ConfigMap env, puts the kine URL from the Secret env in
// place of the placeholder (so the URL only ever lives in the Secret and the process environment),
// then starts k0s as a controller.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { K0S_CONFIG_KEY, KINE_DATASOURCE_SECRET_KEY } from '@k0smotron/api';
import { KINE_PLACEHOLDER } from './k0s-config';
import { childMeta } from './meta';
import type { ClusterView } from './view';

export const ENTRYPOINT_KEY = 'k0smotron-entrypoint.sh';
/**
 * The ConfigMap is mounted as a directory rather than upstream's subPath file: a subPath mount never
 * sees ConfigMap updates, and hollow nodes in the test cluster cannot create subPath mounts.
 */
export const ENTRYPOINT_DIR = '/k0smotron-entrypoint';
export const ENTRYPOINT_PATH = `${ENTRYPOINT_DIR}/${ENTRYPOINT_KEY}`;
/**
 * Where the certificate Secrets are projected (read-only). Copying them in the entrypoint instead
 * of an init container gives the same files on every start, and keeps pods schedulable on runtimes
 * where init containers never finish (kubemark hollow nodes in the test cluster).
 */
export const CERTS_DIR = '/k0smotron-certs';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function hasFlag(flags: string[], name: string): boolean {
  return flags.some(f => f === name || f.startsWith(`${name}=`));
}

export function entrypointScript(view: ClusterView): string {
  const flags = [...view.controlPlaneFlags];
  if (!hasFlag(flags, '--config')) flags.push('--config=/etc/k0s/k0s.yaml');
  if (!hasFlag(flags, '--enable-dynamic-config')) flags.push('--enable-dynamic-config');
  const lines = [
    '#!/bin/sh',
    'set -eu',
    'mkdir -p /etc/k0s /var/lib/k0s/pki',
    `cp -L ${CERTS_DIR}/* /var/lib/k0s/pki/`,
    'chmod 600 /var/lib/k0s/pki/*.key',
    `printf '%s' "$${K0S_CONFIG_KEY}" > /etc/k0s/k0s.yaml`,
  ];
  if (view.storage.type === 'kine') {
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
