import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import {
  ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES,
  ANNOTATION_JOIN_TOKEN_NAMESPACES,
  DEFAULT_TENANT_POLICY,
  baselineViolations,
  clusterPolicyViolations,
  generatedPodViolations,
  imageAllowed,
  imageRepository,
  joinTokenDecision,
  parseTenantPolicy,
  pathUnder,
  type JoinTokenRequestFacts,
  type PodAllowances,
  type TenantPolicy,
} from './policy';
import { DEFAULT_ETCD_IMAGE, DEFAULT_K0S_IMAGE } from './constants';

const policy = (overrides: Record<string, unknown> = {}): TenantPolicy => parseTenantPolicy(overrides);
const fields = (vs: Array<{ field: string }>) => vs.map(v => v.field);

describe('parseTenantPolicy', () => {
  it('gives the defaults for an empty or absent policy', () => {
    expect(parseTenantPolicy(undefined)).toEqual(DEFAULT_TENANT_POLICY);
    expect(parseTenantPolicy({})).toEqual(DEFAULT_TENANT_POLICY);
    expect(DEFAULT_TENANT_POLICY.hostPathPersistence.allowed).toBe(false);
    expect(DEFAULT_TENANT_POLICY.allowServiceAccount).toBe(false);
    expect(DEFAULT_TENANT_POLICY.allowNeverExpiringJoinTokens).toBe(false);
    expect(DEFAULT_TENANT_POLICY.maxJoinTokenExpiryMs).toBe(24 * 3_600_000);
    expect(DEFAULT_TENANT_POLICY.deniedNamespaces).toContain('kube-system');
  });

  it('reads every key', () => {
    const p = policy({
      allowedImageRepositories: ['registry.example.com/mirror/'],
      hostPathPersistence: { allowed: true, pathPrefixes: ['/var/lib/k0smotron'] },
      mountVolumeSources: ['configMap'],
      allowServiceAccount: true,
      allowCertificateRefs: false,
      maxJoinTokenExpiry: '2h',
      allowNeverExpiringJoinTokens: true,
      patchableKinds: ['Service'],
      deniedNamespaces: ['kube-system', 'platform'],
    });
    expect(p).toEqual({
      allowedImageRepositories: ['registry.example.com/mirror/'],
      hostPathPersistence: { allowed: true, pathPrefixes: ['/var/lib/k0smotron'] },
      mountVolumeSources: ['configMap'],
      allowServiceAccount: true,
      allowCertificateRefs: false,
      maxJoinTokenExpiryMs: 2 * 3_600_000,
      allowNeverExpiringJoinTokens: true,
      patchableKinds: ['Service'],
      deniedNamespaces: ['kube-system', 'platform'],
    });
  });

  it.each([
    [{ allowedImages: [] }, /unknown key "allowedImages"/],
    [{ allowServiceAccount: 'yes' }, /allowServiceAccount: must be true or false/],
    [{ mountVolumeSources: ['hostPath'] }, /hostPath is never allowed in mounts/],
    [{ mountVolumeSources: ['magic'] }, /"magic" is not a Kubernetes volume source/],
    [{ hostPathPersistence: { allowed: true } }, /pathPrefixes is empty/],
    [{ hostPathPersistence: { allowed: true, pathPrefixes: ['/'] } }, /would allow the whole host/],
    [{ hostPathPersistence: { allowed: true, pathPrefixes: ['var/lib'] } }, /must be an absolute path/],
    [{ hostPathPersistence: { allowed: true, pathPrefixes: ['/var/../etc'] } }, /without "\.\."/],
    [{ hostPathPersistence: { enabled: true } }, /unknown key "enabled"/],
    [{ maxJoinTokenExpiry: '1d' }, /not a valid duration/],
    [{ maxJoinTokenExpiry: '0s' }, /must be positive/],
    [{ patchableKinds: ['Secret'] }, /"Secret" is not a kind the operator generates/],
    [[], /must be a mapping/],
  ])('refuses %j with a reason', (input, message) => {
    expect(() => parseTenantPolicy(input)).toThrow(message);
  });
});

describe('images and paths', () => {
  it('takes tag and digest off an image', () => {
    expect(imageRepository('reg.example.com:5000/k0s/k0s:v1.30.0-k0s.0')).toBe('reg.example.com:5000/k0s/k0s');
    expect(imageRepository('k0s@sha256:abc')).toBe('k0s');
    expect(imageRepository('reg.example.com:5000/k0s')).toBe('reg.example.com:5000/k0s');
  });

  it('allows the default images, exact repositories and prefixes ending in /', () => {
    expect(imageAllowed(`${DEFAULT_K0S_IMAGE}:v1.30.1-k0s.0`, DEFAULT_TENANT_POLICY)).toBe(true);
    expect(imageAllowed(DEFAULT_ETCD_IMAGE, DEFAULT_TENANT_POLICY)).toBe(true);
    expect(imageAllowed('evil.example.com/k0s:v1', DEFAULT_TENANT_POLICY)).toBe(false);
    expect(imageAllowed(`${DEFAULT_K0S_IMAGE}-evil:v1`, DEFAULT_TENANT_POLICY)).toBe(false);
    const mirror = policy({ allowedImageRepositories: ['mirror.example.com/k0s/'] });
    expect(imageAllowed('mirror.example.com/k0s/k0s:v1', mirror)).toBe(true);
    expect(imageAllowed('mirror.example.com/k0sx/k0s:v1', mirror)).toBe(false);
  });

  it('compares paths by component and never follows ..', () => {
    expect(pathUnder('/var/lib/k0smotron/a', '/var/lib/k0smotron')).toBe(true);
    expect(pathUnder('/var/lib/k0smotron', '/var/lib/k0smotron/')).toBe(true);
    expect(pathUnder('/var/lib/k0smotron-evil', '/var/lib/k0smotron')).toBe(false);
    expect(pathUnder('/var/lib/k0smotron/../../etc', '/var/lib/k0smotron')).toBe(false);
  });
});

describe('clusterPolicyViolations', () => {
  it('allows a default Cluster in a tenant namespace', () => {
    expect(clusterPolicyViolations('team-a', {}, DEFAULT_TENANT_POLICY)).toEqual([]);
    expect(clusterPolicyViolations('team-a', null, DEFAULT_TENANT_POLICY)).toEqual([]);
  });

  it.each<[string, string, unknown, string]>([
    ['kube-system', 'a denied namespace', {}, 'metadata.namespace'],
    ['t', 'a foreign image', { image: 'evil.example.com/k0s' }, 'spec.image'],
    ['t', 'a foreign etcd image', { storage: { type: 'etcd', etcd: { image: 'evil.example.com/etcd:1' } } }, 'spec.storage.etcd.image'],
    ['t', 'a foreign defrag image', { storage: { etcd: { defragJob: { image: 'evil.example.com/d:1' } } } }, 'spec.storage.etcd.defragJob.image'],
    ['t', 'hostPath persistence', { persistence: { type: 'hostPath', hostPath: '/etc' } }, 'spec.persistence.type'],
    ['t', 'a hostPath mount', { mounts: [{ path: '/x', hostPath: { path: '/' } }] }, 'spec.mounts[0].hostPath'],
    ['t', 'a hostPath manifest', { manifests: [{ name: 'm', hostPath: { path: '/etc' } }] }, 'spec.manifests[0].hostPath'],
    ['t', 'an nfs mount', { mounts: [{ path: '/x', nfs: { server: 's', path: '/' } }] }, 'spec.mounts[0].nfs'],
    ['t', 'a projected token', { mounts: [{ path: '/x', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] }, 'spec.mounts[0].projected'],
    ['t', 'a service account', { serviceAccount: 'admin' }, 'spec.serviceAccount'],
    [
      't',
      'a patch on a kind the policy does not allow',
      { patches: [{ target: { kind: 'Pod' }, patch: { type: 'json', content: '[]' } }] },
      'spec.patches[0].target.kind',
    ],
  ])('refuses %s: %s', (ns, _what, spec, field) => {
    expect(fields(clusterPolicyViolations(ns, spec, DEFAULT_TENANT_POLICY))).toContain(field);
  });

  it('allows hostPath persistence under an allowed prefix only', () => {
    const p = policy({ hostPathPersistence: { allowed: true, pathPrefixes: ['/var/lib/k0smotron'] } });
    expect(clusterPolicyViolations('t', { persistence: { type: 'hostPath', hostPath: '/var/lib/k0smotron/a' } }, p)).toEqual([]);
    expect(fields(clusterPolicyViolations('t', { persistence: { type: 'hostPath', hostPath: '/etc' } }, p))).toEqual(['spec.persistence.hostPath']);
    expect(fields(clusterPolicyViolations('t', { persistence: { type: 'hostPath', hostPath: '/var/lib/k0smotron/../../etc' } }, p))).toEqual([
      'spec.persistence.hostPath',
    ]);
  });

  it('refuses certificateRefs only when the policy says so', () => {
    const spec = { certificateRefs: [{ type: 'ca', name: 'my-ca' }] };
    expect(clusterPolicyViolations('t', spec, DEFAULT_TENANT_POLICY)).toEqual([]);
    expect(fields(clusterPolicyViolations('t', spec, policy({ allowCertificateRefs: false })))).toEqual(['spec.certificateRefs']);
  });

  it('names every violation at once', () => {
    const vs = clusterPolicyViolations(
      'kube-system',
      { image: 'x/y', serviceAccount: 'sa', persistence: { type: 'hostPath', hostPath: '/' } },
      DEFAULT_TENANT_POLICY,
    );
    expect(fields(vs)).toEqual(['metadata.namespace', 'spec.image', 'spec.persistence.type', 'spec.serviceAccount']);
    for (const v of vs) expect(v.message).not.toBe('');
  });
});

describe('pod rules', () => {
  const goodTemplate = (): V1PodTemplateSpec => ({
    metadata: { annotations: {} },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'controller',
          image: `${DEFAULT_K0S_IMAGE}:v1.30.1-k0s.0`,
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['SETUID', 'SETGID'] } },
        },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  });
  const allow: PodAllowances = { capabilities: { controller: ['SETUID', 'SETGID', 'CHOWN'] }, extraVolumeSources: [] };
  const check = (mutate: (t: V1PodTemplateSpec) => void, a: PodAllowances = allow) => {
    const t = goodTemplate();
    mutate(t);
    return fields(generatedPodViolations(t, 'T', DEFAULT_TENANT_POLICY, a));
  };

  it('passes a well-formed pod', () => {
    expect(check(() => {})).toEqual([]);
    expect(baselineViolations(goodTemplate(), 'T')).toEqual([]);
  });

  it.each<[string, (t: V1PodTemplateSpec) => void, string]>([
    ['hostNetwork', t => (t.spec!.hostNetwork = true), 'T.spec.hostNetwork'],
    ['hostPID', t => (t.spec!.hostPID = true), 'T.spec.hostPID'],
    ['hostIPC', t => (t.spec!.hostIPC = true), 'T.spec.hostIPC'],
    ['privileged', t => (t.spec!.containers[0].securityContext!.privileged = true), 'T.spec.containers[0].securityContext.privileged'],
    ['SYS_ADMIN', t => t.spec!.containers[0].securityContext!.capabilities!.add!.push('SYS_ADMIN'), 'T.spec.containers[0].securityContext.capabilities.add'],
    ['a hostPath volume', t => t.spec!.volumes!.push({ name: 'h', hostPath: { path: '/' } }), 'T.spec.volumes[1].hostPath'],
    ['a host port', t => (t.spec!.containers[0].ports = [{ containerPort: 1, hostPort: 22 }]), 'T.spec.containers[0].ports[0].hostPort'],
    ['an unsafe sysctl', t => (t.spec!.securityContext!.sysctls = [{ name: 'kernel.msgmax', value: '1' }]), 'T.spec.securityContext.sysctls'],
    ['Unconfined seccomp', t => (t.spec!.securityContext!.seccompProfile = { type: 'Unconfined' }), 'T.spec.securityContext.seccompProfile.type'],
    [
      'an unconfined AppArmor profile',
      t => (t.metadata!.annotations!['container.apparmor.security.beta.kubernetes.io/controller'] = 'unconfined'),
      'T.metadata.annotations[container.apparmor.security.beta.kubernetes.io/controller]',
    ],
    ['a custom SELinux type', t => (t.spec!.securityContext!.seLinuxOptions = { type: 'spc_t' }), 'T.spec.securityContext.seLinuxOptions.type'],
    ['procMount Unmasked', t => (t.spec!.containers[0].securityContext!.procMount = 'Unmasked'), 'T.spec.containers[0].securityContext.procMount'],
    [
      'a privileged init container',
      t => (t.spec!.initContainers = [{ name: 'i', image: DEFAULT_ETCD_IMAGE, securityContext: { privileged: true } }]),
      'T.spec.initContainers[0].securityContext.privileged',
    ],
  ])('baseline refuses %s', (_what, mutate, field) => {
    const t = goodTemplate();
    mutate(t);
    expect(fields(baselineViolations(t, 'T'))).toContain(field);
    expect(check(mutate)).toContain(field);
  });

  it.each<[string, (t: V1PodTemplateSpec) => void, string]>([
    ['an automounted token', t => delete t.spec!.automountServiceAccountToken, 'T.spec.automountServiceAccountToken'],
    [
      'a capability k0s does not need (NET_RAW is within baseline)',
      t => t.spec!.containers[0].securityContext!.capabilities!.add!.push('NET_RAW'),
      'T.spec.containers[0].securityContext.capabilities.add',
    ],
    [
      'capabilities not dropped',
      t => (t.spec!.containers[0].securityContext!.capabilities!.drop = []),
      'T.spec.containers[0].securityContext.capabilities.drop',
    ],
    [
      'privilege escalation',
      t => delete t.spec!.containers[0].securityContext!.allowPrivilegeEscalation,
      'T.spec.containers[0].securityContext.allowPrivilegeEscalation',
    ],
    ['a foreign image', t => (t.spec!.containers[0].image = 'evil.example.com/x:1'), 'T.spec.containers[0].image'],
    ['a sidecar with a foreign image', t => t.spec!.containers.push({ name: 'x', image: 'evil.example.com/x:1' }), 'T.spec.containers[1].image'],
    ['a service account', t => (t.spec!.serviceAccountName = 'admin'), 'T.spec.serviceAccountName'],
    ['an nfs volume', t => t.spec!.volumes!.push({ name: 'n', nfs: { server: 's', path: '/' } }), 'T.spec.volumes[1].nfs'],
    [
      'a projected token',
      t => t.spec!.volumes!.push({ name: 'p', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }),
      'T.spec.volumes[1].projected',
    ],
  ])('whatever the policy, refuses %s', (_what, mutate, field) => {
    expect(check(mutate)).toContain(field);
  });

  it('allows only the persistence hostPath volume, at its path', () => {
    const withHostPath = (path: string) => (t: V1PodTemplateSpec) => t.spec!.volumes!.push({ name: 'data', hostPath: { path } });
    const a = { ...allow, hostPathVolume: { name: 'data', path: '/var/lib/k0smotron/a' } };
    expect(check(withHostPath('/var/lib/k0smotron/a'), a)).toEqual([]);
    expect(check(withHostPath('/etc'), a)).toEqual(['T.spec.volumes[1].hostPath']);
  });

  it('allows spec.serviceAccount when the policy does', () => {
    expect(check(t => (t.spec!.serviceAccountName = 'k0s'), { ...allow, serviceAccountName: 'k0s' })).toEqual([]);
  });
});

describe('joinTokenDecision', () => {
  const cluster = (annotations: Record<string, string> = {}) => ({ namespace: 'team-b', name: 'b', annotations });
  const ask = (
    requestNamespace: string,
    role: 'worker' | 'controller',
    expiry: string | undefined,
    c: JoinTokenRequestFacts['cluster'] = cluster(),
    p: TenantPolicy = DEFAULT_TENANT_POLICY,
  ) => joinTokenDecision({ requestNamespace, role, expiry, cluster: c }, p);

  it("serves the Cluster's own namespace, both roles, with the default expiry", () => {
    expect(ask('team-b', 'worker', undefined)).toEqual({ allowed: true, expiryMs: 24 * 3_600_000 });
    expect(ask('team-b', 'controller', '1h')).toEqual({ allowed: true, expiryMs: 3_600_000 });
  });

  it('refuses other namespaces unless the Cluster lists them', () => {
    expect(ask('team-a', 'worker', undefined)).toMatchObject({ allowed: false, reason: 'CrossNamespaceDenied', field: 'spec.clusterRef.namespace' });
    expect(ask('team-a', 'worker', undefined, cluster({ [ANNOTATION_JOIN_TOKEN_NAMESPACES]: 'team-c, team-a' }))).toMatchObject({ allowed: true });
    expect(ask('team-a', 'controller', undefined, cluster({ [ANNOTATION_JOIN_TOKEN_NAMESPACES]: 'team-a' }))).toMatchObject({
      allowed: false,
      reason: 'CrossNamespaceDenied',
      message: expect.stringContaining(ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES),
    });
    expect(ask('team-a', 'controller', undefined, cluster({ [ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES]: 'team-a' }))).toMatchObject({ allowed: true });
    expect(ask('team-a', 'worker', undefined, cluster({ [ANNOTATION_CONTROLLER_JOIN_TOKEN_NAMESPACES]: 'team-a' }))).toMatchObject({ allowed: true });
  });

  it('bounds the expiry by the policy', () => {
    expect(ask('team-b', 'worker', '25h')).toMatchObject({ allowed: false, reason: 'PolicyViolation', field: 'spec.expiry' });
    expect(ask('team-b', 'worker', '0s')).toMatchObject({ allowed: false, reason: 'PolicyViolation', message: expect.stringContaining('never expires') });
    expect(ask('team-b', 'worker', '-1h')).toMatchObject({ allowed: false, field: 'spec.expiry' });
    expect(ask('team-b', 'worker', '1d')).toMatchObject({ allowed: false, field: 'spec.expiry' });
    const loose = policy({ allowNeverExpiringJoinTokens: true, maxJoinTokenExpiry: '720h' });
    expect(ask('team-b', 'worker', '0s', cluster(), loose)).toEqual({ allowed: true, expiryMs: undefined });
    expect(ask('team-b', 'worker', '700h', cluster(), loose)).toEqual({ allowed: true, expiryMs: 700 * 3_600_000 });
    const tight = policy({ maxJoinTokenExpiry: '1h' });
    expect(ask('team-b', 'worker', undefined, cluster(), tight)).toEqual({ allowed: true, expiryMs: 3_600_000 });
  });

  it('refuses a controller token for storage no controller can join, after the namespace rules', () => {
    const etcd = { ...cluster(), storage: { type: 'etcd' as const } };
    expect(ask('team-b', 'controller', '1h', etcd)).toMatchObject({
      allowed: false,
      reason: 'StorageNotJoinable',
      field: 'spec.role',
      message: expect.stringMatching(/^Cluster team-b\/b cannot take another controller: .*raise spec\.replicas/),
    });
    // Worker tokens do not share the datastore.
    expect(ask('team-b', 'worker', '1h', etcd)).toEqual({ allowed: true, expiryMs: 3_600_000 });
    // A shared database is joinable; a Secret not read cannot be told apart, so it is left to the operator.
    expect(ask('team-b', 'controller', '1h', { ...cluster(), storage: { type: 'kine', dataSource: 'postgres://u:p@db/kine' } })).toEqual({
      allowed: true,
      expiryMs: 3_600_000,
    });
    expect(ask('team-b', 'controller', '1h', { ...cluster(), storage: { type: 'kine', secretName: 'db' } })).toMatchObject({ allowed: true });
    expect(ask('team-b', 'controller', '1h', { ...cluster(), storage: { type: 'kine', dataSource: 'sqlite:///db' } })).toMatchObject({
      reason: 'StorageNotJoinable',
    });
    // Another namespace that may not ask hears the namespace rule, not the storage.
    expect(ask('team-a', 'controller', '1h', etcd)).toMatchObject({ reason: 'CrossNamespaceDenied' });
  });

  it('refuses a Cluster in a denied namespace', () => {
    expect(ask('kube-system', 'worker', undefined, { namespace: 'kube-system', name: 'x' })).toMatchObject({ allowed: false, reason: 'PolicyViolation' });
  });
});
