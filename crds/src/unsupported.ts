// Upstream fields this implementation does not run yet. Objects exported from an upstream
// installation carry them as empty or disabled structs (`monitoring: {enabled: false}`,
// `ingress: {}`, `kubeconfigRef: {}`), so the API accepts every one of them; only a feature that is
// actually switched on is reported (the operator: condition FeaturesSupported=False, reason
// Unsupported; the CLI and Backstage: a warning), and the rest of the Cluster reconciles as usual.

export interface UnsupportedFeature {
  /** e.g. `spec.monitoring` */
  field: string;
  /** What is not supported and what to use instead. */
  message: string;
}

/** A spec section as the checks below read it: any object, or absent. */
export type UnsupportedFieldSpec = Record<string, unknown> | null | undefined;

const text = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '';
const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined), o);

/** Each unsupported field: when it counts as switched on, and what to do instead. */
export const UNSUPPORTED_FIELDS: ReadonlyArray<{ field: string; hint: string; enabled: (spec: UnsupportedFieldSpec) => boolean }> = [
  { field: 'spec.monitoring', hint: 'Scrape the control-plane pods with your own Prometheus.', enabled: s => at(s, 'monitoring', 'enabled') === true },
  {
    field: 'spec.ingress',
    hint: 'Expose the control plane with service type LoadBalancer or NodePort.',
    enabled: s => text(at(s, 'ingress', 'apiHost')) || text(at(s, 'ingress', 'konnectivityHost')),
  },
  {
    field: 'spec.remoteHostCluster',
    hint: 'Run the operator in the hosting cluster instead.',
    enabled: s => text(at(s, 'remoteHostCluster', 'kubeconfigRef', 'name')),
  },
  { field: 'spec.kubeconfigRef', hint: 'Run the operator in the hosting cluster instead.', enabled: s => text(at(s, 'kubeconfigRef', 'name')) },
  // Storage type nats is outside the type enum; a nats struct beside another type is ignored.
  { field: 'spec.storage.nats', hint: 'Use storage type etcd or kine.', enabled: () => false },
];

export function unsupportedHint(field: string): string {
  const entry = UNSUPPORTED_FIELDS.find(f => f.field === field);
  if (!entry) throw new Error(`no unsupported-field entry for ${field}`);
  return entry.hint;
}

/** The unsupported features a spec switches on; empty when it uses none (empty structs are fine). */
export function unsupportedFeatures(spec: unknown): UnsupportedFeature[] {
  const s = spec && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : undefined;
  return UNSUPPORTED_FIELDS.filter(f => f.enabled(s)).map(f => ({
    field: f.field,
    message: `${f.field} is not supported by this k0smotron yet and is ignored. ${f.hint}`,
  }));
}
