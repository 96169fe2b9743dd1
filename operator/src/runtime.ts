// Node.js flags the standalone operator runs with: the image's ENTRYPOINT (operator/Dockerfile,
// kept in step by runtime.test.ts) and the benchmarks, which run the bundle the way the image does.
//
// --optimize-for-size makes V8 grow the heap less eagerly and collect sooner. Measured with 200
// Clusters created at once (bench, 2 cores): RSS 109–111 MiB during and after the burst, against
// 124–164 MiB without it (the V8 heap in use is ~30 MiB either way; the difference is heap that V8
// had reserved for garbage).
export const OPERATOR_NODE_FLAGS = ['--optimize-for-size'] as const;
