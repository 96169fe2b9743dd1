// The tenant policy: what a Cluster or JoinTokenRequest written by a tenant may ask of the
// management cluster. Whoever may create a Cluster chooses its pods' images, volumes and patches,
// and those pods run on the management cluster's nodes; without limits one create permission is
// root on a node. The operator enforces this policy before it writes anything; the functions are
// pure and browser-safe so Backstage and the CLI can ask the same questions before they write.
//
// Two layers:
// - `TenantPolicy`: what a platform team may allow or forbid (images, hostPath persistence, mount
//   sources, service accounts, join-token expiry, patch targets, namespaces). Safe defaults.
// - Rules no policy can lift, checked on the generated pod specs *after* user patches, so no
//   patch type can get around them: Pod Security "baseline", no added capability beyond what k0s
//   needs, every capability dropped first, no service-account token, no hostPath except the
//   allowed persistence volume.
import type { V1Container, V1PodSpec, V1PodTemplateSpec, V1Volume } from '@kubernetes/client-node';
import { DEFAULT_ETCD_IMAGE, DEFAULT_K0S_IMAGE } from './constants';
import { parseGoDuration } from './duration';
import { DEFAULT_ETCD_DEFRAG } from './normalize';
import { controllerJoinRefusal, type ControllerJoinStorage } from './joinable';
import type { JoinRole } from './schema/jointokenrequest';

export interface TenantPolicy {
  /**
   * Image repositories a Cluster's pods may run. An entry matches that repository exactly and, when
   * it ends with "/", every repository under it. Tags and digests are not part of the match.
   */
  allowedImageRepositories: string[];
  /** `spec.persistence.type: hostPath`: refused unless allowed, and then only under these prefixes. */
  hostPathPersistence: { allowed: boolean; pathPrefixes: string[] };
  /** Volume sources that `spec.mounts` and `spec.manifests` may use (hostPath is never allowed). */
  mountVolumeSources: string[];
  /** Whether `spec.serviceAccount` may be set (the pods then get that account, without its token). */
  allowServiceAccount: boolean;
  /** Whether `spec.certificateRefs` may name the tenant's own Secrets (never another Cluster's). */
  allowCertificateRefs: boolean;
  /** Longest join-token expiry in milliseconds; also the default when a request names none and this is shorter than 24 h. */
  maxJoinTokenExpiryMs: number;
  /** Whether `expiry: 0s` (a token that never expires) is allowed. */
  allowNeverExpiringJoinTokens: boolean;
  /** Kinds of generated objects that `spec.patches` may target. */
  patchableKinds: string[];
  /** Namespaces whose Clusters and JoinTokenRequests are never served. */
  deniedNamespaces: string[];
}

/** The repository of an image reference: without tag or digest. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/** Volume sources the operator's own pods use; `spec.mounts` adds to these only what the policy allows. */
const OPERATOR_VOLUME_SOURCES = ['configMap', 'secret', 'projected', 'emptyDir', 'persistentVolumeClaim'];

export const DEFAULT_TENANT_POLICY: Readonly<TenantPolicy> = Object.freeze({
  allowedImageRepositories: [imageRepository(DEFAULT_K0S_IMAGE), imageRepository(DEFAULT_ETCD_IMAGE), imageRepository(DEFAULT_ETCD_DEFRAG.image)],
  hostPathPersistence: { allowed: false, pathPrefixes: [] },
  mountVolumeSources: ['configMap', 'secret', 'emptyDir', 'projected', 'downwardAPI', 'persistentVolumeClaim'],
  allowServiceAccount: false,
  allowCertificateRefs: true,
  maxJoinTokenExpiryMs: 24 * 3_600_000,
  allowNeverExpiringJoinTokens: false,
  patchableKinds: ['StatefulSet', 'Service', 'ConfigMap', 'CronJob'],
  deniedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
});

/** Capabilities the k0s controller process needs, and why (docs/security.md repeats this). */
export const K0S_CAPABILITIES: Readonly<Record<string, string>> = Object.freeze({
  CHOWN: 'k0s gives the data directories of kube-apiserver, konnectivity and the scheduler to their own system users',
  DAC_OVERRIDE: 'k0s, as root, reads and writes files those system users own',
  FOWNER: 'k0s sets modes on files it does not own (certificates, sockets)',
  SETUID: 'k0s starts each component as its own system user',
  SETGID: 'k0s starts each component with its own group',
  KILL: 'k0s stops and restarts components that run under other users',
});

/** Capabilities the etcd container needs: its data volume belongs to the pod's fsGroup, not to root. */
export const ETCD_CAPABILITIES: Readonly<Record<string, string>> = Object.freeze({
  DAC_OVERRIDE: "etcd, as root, writes a data volume owned by the pod's fsGroup",
  FOWNER: 'etcd sets mode 0700 on a data directory it does not own',
});

/** Capabilities that Pod Security "baseline" allows a container to add. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
]);
const BASELINE_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

export interface PolicyViolation {
  /** The field at fault, e.g. `spec.persistence.hostPath` or `spec.patches (StatefulSet kmc-a: containers[0].securityContext.privileged)`. */
  field: string;
  message: string;
}

/** Annotation on a Cluster: namespaces (comma-separated) whose JoinTokenRequests may ask for worker tokens. */
export const ANNOTATION_JOIN_TOKEN_NAMESPACES = 'k0smotron.io/join-token-namespaces';
/** Annotation on a Cluster: namespaces (comma-separated) whose JoinTokenRequests may also ask for controller tokens. */
export const ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES = 'k0smotron.io/controller-join-token-namespaces';

// ---------------------------------------------------------------------------------------------
// Parsing a policy (the operator's ConfigMap / app-config)

const POLICY_KEYS = [
  'allowedImageRepositories',
  'hostPathPersistence',
  'mountVolumeSources',
  'allowServiceAccount',
  'allowCertificateRefs',
  'maxJoinTokenExpiry',
  'allowNeverExpiringJoinTokens',
  'patchableKinds',
  'deniedNamespaces',
] as const;

const ALL_VOLUME_SOURCES = new Set([
  'configMap',
  'secret',
  'emptyDir',
  'projected',
  'downwardAPI',
  'persistentVolumeClaim',
  'csi',
  'ephemeral',
  'nfs',
  'iscsi',
  'cephfs',
  'rbd',
  'fc',
  'azureFile',
  'azureDisk',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'cinder',
  'flocker',
  'glusterfs',
  'portworxVolume',
  'quobyte',
  'scaleIO',
  'storageos',
  'vsphereVolume',
  'photonPersistentDisk',
  'flexVolume',
  'gitRepo',
  'hostPath',
]);

export class PolicyError extends Error {}

/**
 * A policy from its YAML/JSON form (the `policy.yaml` of the operator's ConfigMap). Omitted keys
 * keep their defaults; an unknown key or a wrong type is an error naming the key, so a typo never
 * silently loosens or tightens the policy.
 */
export function parseTenantPolicy(input: unknown, where = 'policy'): TenantPolicy {
  if (input === null || input === undefined) return clonePolicy(DEFAULT_TENANT_POLICY);
  if (typeof input !== 'object' || Array.isArray(input)) throw new PolicyError(`${where}: must be a mapping of policy keys (${POLICY_KEYS.join(', ')})`);
  const obj = input as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(POLICY_KEYS as readonly string[]).includes(key)) {
      throw new PolicyError(`${where}: unknown key "${key}"; known keys: ${POLICY_KEYS.join(', ')}`);
    }
  }
  const policy = clonePolicy(DEFAULT_TENANT_POLICY);
  const strings = (key: string, value: unknown): string[] => {
    if (!Array.isArray(value) || value.some(v => typeof v !== 'string' || v === '')) {
      throw new PolicyError(`${where}.${key}: must be a list of non-empty strings`);
    }
    return value as string[];
  };
  const bool = (key: string, value: unknown): boolean => {
    if (typeof value !== 'boolean') throw new PolicyError(`${where}.${key}: must be true or false`);
    return value;
  };
  if (obj.allowedImageRepositories !== undefined) policy.allowedImageRepositories = strings('allowedImageRepositories', obj.allowedImageRepositories);
  if (obj.hostPathPersistence !== undefined) {
    const h = obj.hostPathPersistence as Record<string, unknown>;
    if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new PolicyError(`${where}.hostPathPersistence: must be {allowed, pathPrefixes}`);
    for (const k of Object.keys(h)) {
      if (k !== 'allowed' && k !== 'pathPrefixes') throw new PolicyError(`${where}.hostPathPersistence: unknown key "${k}"; known keys: allowed, pathPrefixes`);
    }
    const allowed = h.allowed === undefined ? false : bool('hostPathPersistence.allowed', h.allowed);
    const pathPrefixes = h.pathPrefixes === undefined ? [] : strings('hostPathPersistence.pathPrefixes', h.pathPrefixes);
    for (const p of pathPrefixes) {
      if (!p.startsWith('/') || p.split('/').includes('..'))
        throw new PolicyError(`${where}.hostPathPersistence.pathPrefixes: "${p}" must be an absolute path without ".."`);
      if (p === '/')
        throw new PolicyError(`${where}.hostPathPersistence.pathPrefixes: "/" would allow the whole host; name a directory such as /var/lib/k0smotron`);
    }
    if (allowed && pathPrefixes.length === 0) {
      throw new PolicyError(
        `${where}.hostPathPersistence: allowed is true but pathPrefixes is empty; name the host directories tenants may use, e.g. [/var/lib/k0smotron]`,
      );
    }
    policy.hostPathPersistence = { allowed, pathPrefixes };
  }
  if (obj.mountVolumeSources !== undefined) {
    const sources = strings('mountVolumeSources', obj.mountVolumeSources);
    for (const s of sources) {
      if (s === 'hostPath')
        throw new PolicyError(`${where}.mountVolumeSources: hostPath is never allowed in mounts (only as persistence, see hostPathPersistence)`);
      if (!ALL_VOLUME_SOURCES.has(s)) throw new PolicyError(`${where}.mountVolumeSources: "${s}" is not a Kubernetes volume source`);
    }
    policy.mountVolumeSources = sources;
  }
  if (obj.allowServiceAccount !== undefined) policy.allowServiceAccount = bool('allowServiceAccount', obj.allowServiceAccount);
  if (obj.allowCertificateRefs !== undefined) policy.allowCertificateRefs = bool('allowCertificateRefs', obj.allowCertificateRefs);
  if (obj.allowNeverExpiringJoinTokens !== undefined)
    policy.allowNeverExpiringJoinTokens = bool('allowNeverExpiringJoinTokens', obj.allowNeverExpiringJoinTokens);
  if (obj.maxJoinTokenExpiry !== undefined) {
    if (typeof obj.maxJoinTokenExpiry !== 'string') throw new PolicyError(`${where}.maxJoinTokenExpiry: must be a duration such as 24h`);
    let ms: number;
    try {
      ms = parseGoDuration(obj.maxJoinTokenExpiry, `${where}.maxJoinTokenExpiry`);
    } catch (err) {
      throw new PolicyError((err as Error).message);
    }
    if (ms <= 0) throw new PolicyError(`${where}.maxJoinTokenExpiry: must be positive (use allowNeverExpiringJoinTokens for tokens without expiry)`);
    policy.maxJoinTokenExpiryMs = ms;
  }
  if (obj.patchableKinds !== undefined) {
    const kinds = strings('patchableKinds', obj.patchableKinds);
    for (const k of kinds) {
      if (!DEFAULT_TENANT_POLICY.patchableKinds.includes(k)) {
        throw new PolicyError(`${where}.patchableKinds: "${k}" is not a kind the operator generates (${DEFAULT_TENANT_POLICY.patchableKinds.join(', ')})`);
      }
    }
    policy.patchableKinds = kinds;
  }
  if (obj.deniedNamespaces !== undefined) policy.deniedNamespaces = strings('deniedNamespaces', obj.deniedNamespaces);
  return policy;
}

function clonePolicy(p: Readonly<TenantPolicy>): TenantPolicy {
  return {
    ...p,
    allowedImageRepositories: [...p.allowedImageRepositories],
    hostPathPersistence: { allowed: p.hostPathPersistence.allowed, pathPrefixes: [...p.hostPathPersistence.pathPrefixes] },
    mountVolumeSources: [...p.mountVolumeSources],
    patchableKinds: [...p.patchableKinds],
    deniedNamespaces: [...p.deniedNamespaces],
  };
}

// ---------------------------------------------------------------------------------------------
// Clusters: the spec

export function imageAllowed(image: string, policy: Pick<TenantPolicy, 'allowedImageRepositories'>): boolean {
  const repo = imageRepository(image);
  return policy.allowedImageRepositories.some(entry => (entry.endsWith('/') ? repo.startsWith(entry) : repo === entry));
}

/** Whether `path` lies inside `prefix` (component-wise: /data is not inside /dat). */
export function pathUnder(path: string, prefix: string): boolean {
  const norm = (p: string) => p.replace(/\/+$/, '');
  const segments = path.split('/');
  if (segments.includes('..') || segments.includes('.')) return false;
  const pre = norm(prefix);
  const p = norm(path.replace(/\/{2,}/g, '/'));
  return p === pre || p.startsWith(`${pre}/`);
}

function volumeSourceOf(source: Record<string, unknown>): string[] {
  return Object.keys(source).filter(k => k !== 'name' && k !== 'path' && k !== 'readOnly' && source[k] !== undefined && source[k] !== null);
}

/** What the spec of a Cluster in `namespace` asks that the policy does not allow. Empty when allowed. */
export function clusterPolicyViolations(namespace: string, spec: unknown, policy: TenantPolicy): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  if (policy.deniedNamespaces.includes(namespace)) {
    out.push({
      field: 'metadata.namespace',
      message: `namespace ${namespace} is not served: the operator's policy denies it (deniedNamespaces); create the Cluster in a tenant namespace`,
    });
  }
  const s = (spec ?? {}) as Record<string, unknown>;
  const images: Array<[string, unknown]> = [['spec.image', s.image]];
  const storage = s.storage as { etcd?: { image?: unknown; defragJob?: { image?: unknown } } } | undefined;
  images.push(['spec.storage.etcd.image', storage?.etcd?.image], ['spec.storage.etcd.defragJob.image', storage?.etcd?.defragJob?.image]);
  for (const [field, image] of images) {
    if (typeof image === 'string' && !imageAllowed(image, policy)) {
      out.push({ field, message: `image ${image} is not from an allowed repository (${policy.allowedImageRepositories.join(', ')})` });
    }
  }
  const persistence = s.persistence as { type?: unknown; hostPath?: unknown } | undefined;
  if (persistence?.type === 'hostPath') {
    const path = typeof persistence.hostPath === 'string' ? persistence.hostPath : '';
    if (!policy.hostPathPersistence.allowed) {
      out.push({ field: 'spec.persistence.type', message: "hostPath persistence is not allowed by the operator's policy: use emptyDir or pvc" });
    } else if (!policy.hostPathPersistence.pathPrefixes.some(prefix => pathUnder(path, prefix))) {
      out.push({
        field: 'spec.persistence.hostPath',
        message: `host path ${JSON.stringify(path)} is outside the allowed prefixes (${policy.hostPathPersistence.pathPrefixes.join(', ')})`,
      });
    }
  }
  const volumeChecks: Array<[string, unknown]> = [];
  if (Array.isArray(s.mounts)) s.mounts.forEach((m, i) => volumeChecks.push([`spec.mounts[${i}]`, m]));
  if (Array.isArray(s.manifests)) s.manifests.forEach((m, i) => volumeChecks.push([`spec.manifests[${i}]`, m]));
  for (const [field, m] of volumeChecks) {
    if (typeof m !== 'object' || m === null) continue;
    for (const source of volumeSourceOf(m as Record<string, unknown>)) {
      if (source === 'hostPath') {
        out.push({ field: `${field}.hostPath`, message: 'hostPath volumes are never allowed in mounts or manifests: they would expose the management node' });
      } else if (!policy.mountVolumeSources.includes(source)) {
        out.push({
          field: `${field}.${source}`,
          message: `volume source ${source} is not allowed by the operator's policy (allowed: ${policy.mountVolumeSources.join(', ')})`,
        });
      } else if (source === 'projected' && projectsServiceAccountToken((m as V1Volume).projected)) {
        out.push({ field: `${field}.projected`, message: 'a projected service-account token is never mounted into a control plane' });
      }
    }
  }
  if (typeof s.serviceAccount === 'string' && s.serviceAccount !== '' && !policy.allowServiceAccount) {
    out.push({ field: 'spec.serviceAccount', message: "setting a service account is not allowed by the operator's policy (allowServiceAccount)" });
  }
  if (Array.isArray(s.certificateRefs) && s.certificateRefs.length > 0 && !policy.allowCertificateRefs) {
    out.push({
      field: 'spec.certificateRefs',
      message: "certificateRefs are not allowed by the operator's policy (allowCertificateRefs): let the operator generate the certificates",
    });
  }
  if (Array.isArray(s.patches)) {
    s.patches.forEach((p, i) => {
      const kind = (p as { target?: { kind?: unknown } })?.target?.kind;
      if (typeof kind === 'string' && !policy.patchableKinds.includes(kind)) {
        out.push({
          field: `spec.patches[${i}].target.kind`,
          message: `patches on ${kind} are not allowed by the operator's policy (patchableKinds: ${policy.patchableKinds.join(', ') || 'none'})`,
        });
      }
    });
  }
  return out;
}

function projectsServiceAccountToken(projected: V1Volume['projected']): boolean {
  return (projected?.sources ?? []).some(src => src.serviceAccountToken !== undefined && src.serviceAccountToken !== null);
}

// ---------------------------------------------------------------------------------------------
// Clusters: the generated pods, after patches

export interface PodAllowances {
  /** Capabilities the containers may add, by container name (anything else: none). */
  capabilities: Record<string, readonly string[]>;
  /** The one hostPath volume allowed (the persistence volume, when the policy allows it). */
  hostPathVolume?: { name: string; path: string };
  /** The service account the pods may run as (spec.serviceAccount when allowed). */
  serviceAccountName?: string;
  /** Volume sources the pod may use besides the operator's own. */
  extraVolumeSources: readonly string[];
}

/**
 * Pod Security "baseline" for one pod spec (and its template annotations): the rules a namespace
 * labelled `pod-security.kubernetes.io/enforce: baseline` applies. `where` names the template
 * (e.g. `StatefulSet kmc-a spec.template`) and prefixes each field.
 */
export function baselineViolations(template: V1PodTemplateSpec, where: string): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const pod = template.spec ?? ({ containers: [] } as V1PodSpec);
  const at = (field: string, message: string) => out.push({ field: `${where}.spec.${field}`, message });
  if (pod.hostNetwork) at('hostNetwork', "sharing the node's network namespace is not allowed");
  if (pod.hostPID) at('hostPID', "sharing the node's process namespace is not allowed");
  if (pod.hostIPC) at('hostIPC', "sharing the node's IPC namespace is not allowed");
  if (pod.securityContext?.windowsOptions?.hostProcess) at('securityContext.windowsOptions.hostProcess', 'host processes are not allowed');
  for (const sysctl of pod.securityContext?.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) at('securityContext.sysctls', `sysctl ${sysctl.name} is not in the safe set`);
  }
  checkSeLinux(pod.securityContext?.seLinuxOptions, 'securityContext.seLinuxOptions', at);
  if (pod.securityContext?.seccompProfile?.type === 'Unconfined') at('securityContext.seccompProfile.type', 'an Unconfined seccomp profile is not allowed');
  (pod.volumes ?? []).forEach((v, i) => {
    if (v.hostPath) at(`volumes[${i}].hostPath`, `hostPath volume ${v.name} (${v.hostPath.path}) is outside Pod Security baseline`);
  });
  for (const [key, value] of Object.entries(template.metadata?.annotations ?? {})) {
    if (key.startsWith(APPARMOR_PREFIX) && value !== 'runtime/default' && !value.startsWith('localhost/')) {
      out.push({ field: `${where}.metadata.annotations[${key}]`, message: `AppArmor profile ${value} is not allowed (runtime/default or localhost/*)` });
    }
  }
  for (const [list, containers] of containerLists(pod)) {
    containers.forEach((c, i) => {
      const f = (field: string) => `${list}[${i}].${field}`;
      const sc = c.securityContext;
      if (sc?.privileged) at(f('securityContext.privileged'), `container ${c.name} must not be privileged`);
      if (sc?.windowsOptions?.hostProcess) at(f('securityContext.windowsOptions.hostProcess'), 'host processes are not allowed');
      for (const cap of sc?.capabilities?.add ?? []) {
        if (!BASELINE_CAPABILITIES.has(cap.replace(/^CAP_/, '')))
          at(f('securityContext.capabilities.add'), `capability ${cap} is outside Pod Security baseline`);
      }
      if (sc?.procMount && sc.procMount !== 'Default') at(f('securityContext.procMount'), `procMount ${sc.procMount} is not allowed`);
      if (sc?.seccompProfile?.type === 'Unconfined') at(f('securityContext.seccompProfile.type'), 'an Unconfined seccomp profile is not allowed');
      checkSeLinux(sc?.seLinuxOptions, f('securityContext.seLinuxOptions'), at);
      (c.ports ?? []).forEach((p, j) => {
        if (p.hostPort) at(f(`ports[${j}].hostPort`), `host port ${p.hostPort} is not allowed`);
      });
    });
  }
  return out;
}

function checkSeLinux(opts: { type?: string; user?: string; role?: string } | undefined, field: string, at: (field: string, message: string) => void): void {
  if (!opts) return;
  if (!BASELINE_SELINUX_TYPES.has(opts.type ?? '')) at(`${field}.type`, `SELinux type ${opts.type} is not allowed`);
  if (opts.user) at(`${field}.user`, 'a custom SELinux user is not allowed');
  if (opts.role) at(`${field}.role`, 'a custom SELinux role is not allowed');
}

function containerLists(pod: V1PodSpec): Array<[string, V1Container[]]> {
  return [
    ['containers', pod.containers ?? []],
    ['initContainers', pod.initContainers ?? []],
    ['ephemeralContainers', (pod.ephemeralContainers ?? []) as V1Container[]],
  ];
}

/**
 * Everything a generated pod template must satisfy whatever the policy says, plus the policy's
 * image and service-account rules: checked after user patches, so a json, merge or strategic
 * patch cannot re-enable what the spec checks refused.
 */
export function generatedPodViolations(template: V1PodTemplateSpec, where: string, policy: TenantPolicy, allow: PodAllowances): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const pod = template.spec ?? ({ containers: [] } as V1PodSpec);
  const at = (field: string, message: string) => out.push({ field: `${where}.spec.${field}`, message });
  for (const v of baselineViolations(template, where)) {
    const isAllowedHostPath =
      allow.hostPathVolume &&
      (pod.volumes ?? []).some(
        (vol, i) =>
          v.field === `${where}.spec.volumes[${i}].hostPath` && vol.name === allow.hostPathVolume!.name && vol.hostPath?.path === allow.hostPathVolume!.path,
      );
    if (!isAllowedHostPath) out.push(v);
  }
  if (pod.automountServiceAccountToken !== false) {
    at('automountServiceAccountToken', 'must be false: a control plane never gets a token for the management cluster');
  }
  const sa = pod.serviceAccountName ?? pod.serviceAccount;
  if (sa && sa !== 'default' && sa !== allow.serviceAccountName) {
    at(
      'serviceAccountName',
      `service account ${sa} is not allowed${policy.allowServiceAccount ? ' (only spec.serviceAccount)' : " by the operator's policy (allowServiceAccount)"}`,
    );
  }
  for (const [list, containers] of containerLists(pod)) {
    containers.forEach((c, i) => {
      const f = (field: string) => `${list}[${i}].${field}`;
      if (c.image !== undefined && !imageAllowed(c.image, policy)) {
        at(f('image'), `image ${c.image} is not from an allowed repository (${policy.allowedImageRepositories.join(', ')})`);
      }
      const sc = c.securityContext;
      const allowedCaps = new Set(allow.capabilities[c.name] ?? []);
      for (const cap of sc?.capabilities?.add ?? []) {
        if (!allowedCaps.has(cap.replace(/^CAP_/, ''))) at(f('securityContext.capabilities.add'), `capability ${cap} is more than container ${c.name} needs`);
      }
      if (!(sc?.capabilities?.drop ?? []).some(d => d.toUpperCase() === 'ALL')) {
        at(f('securityContext.capabilities.drop'), `container ${c.name} must drop ALL capabilities and add back only what it needs`);
      }
      if (sc?.allowPrivilegeEscalation !== false) at(f('securityContext.allowPrivilegeEscalation'), `must be false for container ${c.name}`);
    });
  }
  const allowedSources = new Set([...OPERATOR_VOLUME_SOURCES, ...allow.extraVolumeSources]);
  (pod.volumes ?? []).forEach((v, i) => {
    for (const source of volumeSourceOf(v as unknown as Record<string, unknown>)) {
      if (source === 'hostPath') continue; // reported by the baseline check unless allowed
      if (!allowedSources.has(source)) at(`volumes[${i}].${source}`, `volume source ${source} is not allowed by the operator's policy`);
      if (source === 'projected' && projectsServiceAccountToken(v.projected)) {
        at(`volumes[${i}].projected`, 'a projected service-account token is never mounted into a control plane');
      }
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Join tokens

/** Namespaces listed in a Cluster annotation (comma or space separated). */
function listedNamespaces(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

export interface JoinTokenRequestFacts {
  /** Namespace of the JoinTokenRequest (or of the Backstage user's request). */
  requestNamespace: string;
  role: JoinRole;
  /** `spec.expiry` as written (Go duration), or undefined for the default. */
  expiry: string | undefined;
  cluster: {
    namespace: string;
    name: string;
    annotations?: Record<string, string>;
    /**
     * The Cluster's datastore (controllerJoinStorage of its spec), when known: a controller token
     * for storage no controller can join is refused. Undefined: not checked here.
     */
    storage?: ControllerJoinStorage;
  };
}

export type JoinTokenDecision =
  | { allowed: true; /** ms until the token expires; undefined = never */ expiryMs: number | undefined }
  | { allowed: false; reason: 'CrossNamespaceDenied' | 'PolicyViolation' | 'StorageNotJoinable'; field: string; message: string };

/**
 * Whether a join token may be issued. A request reaches only Clusters in its own namespace unless
 * the Cluster opts in with ANNOTATION_JOIN_TOKEN_NAMESPACES (worker tokens) or
 * ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES (controller tokens too). The expiry is bounded by the
 * policy; `0s` (never) only when the policy allows it. A controller token is refused when the
 * Cluster's storage cannot take another controller (checked after the namespace rules, so a
 * namespace that may not ask learns nothing about another namespace's Cluster).
 */
export function joinTokenDecision(facts: JoinTokenRequestFacts, policy: TenantPolicy, defaultExpiry = '24h'): JoinTokenDecision {
  const { requestNamespace, role, cluster } = facts;
  if (policy.deniedNamespaces.includes(cluster.namespace)) {
    return {
      allowed: false,
      reason: 'PolicyViolation',
      field: 'spec.clusterRef.namespace',
      message: `namespace ${cluster.namespace} is not served (deniedNamespaces)`,
    };
  }
  if (requestNamespace !== cluster.namespace) {
    const annotations = cluster.annotations ?? {};
    const controllers = listedNamespaces(annotations[ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES]);
    const workers = [...listedNamespaces(annotations[ANNOTATION_JOIN_TOKEN_NAMESPACES]), ...controllers];
    const target = `Cluster ${cluster.namespace}/${cluster.name}`;
    if (role === 'controller' && !controllers.includes(requestNamespace)) {
      return {
        allowed: false,
        reason: 'CrossNamespaceDenied',
        field: 'spec.clusterRef.namespace',
        message: `${target} does not allow controller join tokens from namespace ${requestNamespace}: its owner must list ${requestNamespace} in annotation ${ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES}`,
      };
    }
    if (!workers.includes(requestNamespace)) {
      return {
        allowed: false,
        reason: 'CrossNamespaceDenied',
        field: 'spec.clusterRef.namespace',
        message: `${target} does not allow join tokens from namespace ${requestNamespace}: a JoinTokenRequest reaches Clusters of its own namespace, unless the Cluster's owner lists ${requestNamespace} in annotation ${ANNOTATION_JOIN_TOKEN_NAMESPACES}`,
      };
    }
  }
  if (role === 'controller' && cluster.storage) {
    const refusal = controllerJoinRefusal(cluster.storage, cluster);
    if (refusal) return { allowed: false, reason: 'StorageNotJoinable', field: 'spec.role', message: refusal };
  }
  const defaultMs = Math.min(parseGoDuration(defaultExpiry), policy.maxJoinTokenExpiryMs);
  if (facts.expiry === undefined || facts.expiry === '') return { allowed: true, expiryMs: defaultMs };
  let ms: number;
  try {
    ms = parseGoDuration(facts.expiry, 'spec.expiry');
  } catch (err) {
    return { allowed: false, reason: 'PolicyViolation', field: 'spec.expiry', message: (err as Error).message };
  }
  if (ms < 0)
    return {
      allowed: false,
      reason: 'PolicyViolation',
      field: 'spec.expiry',
      message: `spec.expiry "${facts.expiry}" is negative; use a positive duration such as 24h`,
    };
  if (ms === 0) {
    if (!policy.allowNeverExpiringJoinTokens) {
      return {
        allowed: false,
        reason: 'PolicyViolation',
        field: 'spec.expiry',
        message: `spec.expiry "${facts.expiry}" means the token never expires, which the operator's policy does not allow; use a duration up to ${formatHours(policy.maxJoinTokenExpiryMs)}`,
      };
    }
    return { allowed: true, expiryMs: undefined };
  }
  if (ms > policy.maxJoinTokenExpiryMs) {
    return {
      allowed: false,
      reason: 'PolicyViolation',
      field: 'spec.expiry',
      message: `spec.expiry "${facts.expiry}" is longer than the operator's policy allows (maxJoinTokenExpiry ${formatHours(policy.maxJoinTokenExpiryMs)})`,
    };
  }
  return { allowed: true, expiryMs: ms };
}

function formatHours(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
