import { testNodesFromEnv } from './jest/globalSetup';
import { sharedTestCluster, testNamespaceName } from './shared';

describe('testNamespaceName', () => {
  it('makes a DNS-1123 label from any prefix', () => {
    expect(testNamespaceName('Operator Reconcile!', 'abc123')).toBe('operator-reconcile-abc123');
    expect(testNamespaceName('---', 'abc123')).toBe('test-abc123');
    const long = testNamespaceName('x'.repeat(100) + '-y', 'abc123');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(testNamespaceName('a'.repeat(55) + '--b', 'abc123')).not.toMatch(/--abc/);
  });

  it('is unique per call by default', () => {
    expect(testNamespaceName('t')).not.toBe(testNamespaceName('t'));
  });
});

describe('sharedTestCluster', () => {
  it('explains how to get a cluster when used outside the integration project', () => {
    const saved = process.env.K0SMOTRON_TEST_KUBECONFIG;
    delete process.env.K0SMOTRON_TEST_KUBECONFIG;
    try {
      expect(() => sharedTestCluster()).toThrow(/K0SMOTRON_TEST_KUBECONFIG is unset.*\*\.itest\.ts.*--selectProjects integration/);
    } finally {
      if (saved !== undefined) process.env.K0SMOTRON_TEST_KUBECONFIG = saved;
    }
  });
});

describe('K0SMOTRON_TEST_NODES', () => {
  it('defaults to 2 and rejects nonsense naming the variable', () => {
    expect(testNodesFromEnv(undefined)).toBe(2);
    expect(testNodesFromEnv('1')).toBe(1);
    expect(() => testNodesFromEnv('0')).toThrow(/K0SMOTRON_TEST_NODES=0: expected a whole number of hollow nodes from 1 to 10/);
    expect(() => testNodesFromEnv('two')).toThrow(/K0SMOTRON_TEST_NODES=two/);
  });
});
