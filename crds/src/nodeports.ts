// Choosing NodePorts for a new NodePort Cluster. NodePorts are cluster-wide, and every upstream
// example asks for 30443/30132, so the second NodePort Cluster of a management cluster would be
// refused by the API server. The faces that create Clusters (CLI, Backstage, scaffolder) pick a
// free pair when the user gave none, and say which. Pure: callers pass the ports in use.
import { DEFAULT_API_PORT, DEFAULT_KONNECTIVITY_PORT } from './constants';

/** Kubernetes' default `--service-node-port-range`. */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export interface NodePortChoice {
  apiPort: number;
  konnectivityPort: number;
  /** False when the preferred pair was free. */
  moved: boolean;
}

/** Every NodePort of these Services. */
export function nodePortsInUse(services: Iterable<{ spec?: { ports?: Array<{ nodePort?: number }> } }>): Set<number> {
  const used = new Set<number>();
  for (const svc of services) for (const p of svc.spec?.ports ?? []) if (p.nodePort) used.add(p.nodePort);
  return used;
}

/**
 * The preferred pair (default 30443/30132) when both are free, else the nearest pair above it
 * with the same distance between the two ports, both free and inside the NodePort range. Undefined
 * when the range has no free pair left.
 */
export function chooseNodePorts(
  used: ReadonlySet<number>,
  preferred: { apiPort: number; konnectivityPort: number } = { apiPort: DEFAULT_API_PORT, konnectivityPort: DEFAULT_KONNECTIVITY_PORT },
): NodePortChoice | undefined {
  const inRange = (p: number) => p >= NODE_PORT_RANGE.min && p <= NODE_PORT_RANGE.max;
  const free = (a: number, k: number) => a !== k && inRange(a) && inRange(k) && !used.has(a) && !used.has(k);
  if (free(preferred.apiPort, preferred.konnectivityPort)) return { ...preferred, moved: false };
  const span = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min;
  for (let step = 1; step <= span; step++) {
    for (const offset of [step, -step]) {
      const apiPort = preferred.apiPort + offset;
      const konnectivityPort = preferred.konnectivityPort + offset;
      if (free(apiPort, konnectivityPort)) return { apiPort, konnectivityPort, moved: true };
    }
  }
  return undefined;
}
