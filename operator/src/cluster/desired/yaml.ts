// YAML rendering was the costliest step of computing a Cluster's children (profiled at 200
// Clusters: 1.5 of the 2.5 s spent in desiredChildren), while a Cluster's k0s config and endpoint
// manifest rarely change between its reconciles. So renderings are remembered, keyed by the JSON
// of the value (a pure function stays pure); the least recently used go first.
import { stringify } from 'yaml';

const MAX_ENTRIES = 2048;
const memo = new Map<string, string>();

export function toYaml(value: unknown): string {
  const key = JSON.stringify(value);
  const hit = memo.get(key);
  if (hit !== undefined) {
    memo.delete(key); // re-insert: Map order is the recency order
    memo.set(key, hit);
    return hit;
  }
  const yaml = stringify(value);
  memo.set(key, yaml);
  if (memo.size > MAX_ENTRIES) memo.delete(memo.keys().next().value as string);
  return yaml;
}

/** For tests: how many renderings are remembered. */
export function yamlMemoSize(): number {
  return memo.size;
}
