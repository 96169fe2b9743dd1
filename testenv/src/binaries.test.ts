import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  APISERVER_BUILD_RECIPE,
  binDir,
  BUILD_RECIPE,
  etcdPath,
  installScriptPath,
  KUBEMARK_BUILD_RECIPE,
  kubectlPath,
  missingBinaries,
  staleComponents,
} from './binaries';

describe('binary locations', () => {
  it('prefers K0SMOTRON_TEST_BIN_DIR, then K0SMOTRON_CACHE_DIR, then ~/.cache', () => {
    expect(binDir({ K0SMOTRON_TEST_BIN_DIR: '/opt/k8s' })).toBe('/opt/k8s');
    expect(binDir({ K0SMOTRON_CACHE_DIR: '/c' })).toBe('/c/kubernetes-1.20.2/bin');
    expect(binDir({})).toBe(path.join(os.homedir(), '.cache/k0smotron/kubernetes-1.20.2/bin'));
    expect(kubectlPath({ K0SMOTRON_TEST_BIN_DIR: '/opt/k8s' })).toBe('/opt/k8s/kubectl');
    expect(etcdPath({ K0SMOTRON_TEST_BIN_DIR: '/nonexistent' })).toBe('/usr/bin/etcd');
    expect(etcdPath({ K0SMOTRON_TEST_ETCD: '/x/etcd' })).toBe('/x/etcd');
  });

  it('lists what is missing or not executable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testenv-bins-'));
    try {
      fs.writeFileSync(path.join(dir, 'kubectl'), '#!/bin/sh\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'kubemark'), '#!/bin/sh\n', { mode: 0o644 });
      fs.writeFileSync(path.join(dir, 'kube-scheduler'), '', { mode: 0o755 });
      expect(missingBinaries(dir, path.join(dir, 'etcd'))).toEqual([
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
        'kubemark',
        `etcd (${dir}/etcd)`,
      ]);
      const all = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubemark'];
      expect(staleComponents(dir)).toEqual(all);
      // A cache from before per-component recipes: kube-apiserver and kubemark need newer patches.
      fs.writeFileSync(path.join(dir, '.recipe'), `${BUILD_RECIPE}\n`);
      expect(staleComponents(dir)).toEqual(['kube-apiserver', 'kubemark']);
      fs.writeFileSync(path.join(dir, '.recipe-kubemark'), `${KUBEMARK_BUILD_RECIPE}\n`);
      fs.writeFileSync(path.join(dir, '.recipe-kube-apiserver'), `${APISERVER_BUILD_RECIPE}\n`);
      expect(staleComponents(dir)).toEqual([]);
      fs.writeFileSync(path.join(dir, '.recipe-kube-apiserver'), 'kubernetes-1.20.2\n');
      expect(staleComponents(dir)).toEqual(['kube-apiserver']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('agrees with the install script on the build recipe', () => {
    const script = fs.readFileSync(installScriptPath(), 'utf8');
    const m = /^RECIPE="kubernetes-\$K8S_VERSION(\+[^"]*)"$/m.exec(script);
    expect(m && `kubernetes-1.20.2${m[1]}`).toBe(BUILD_RECIPE);
    const k = /^KUBEMARK_RECIPE="\$RECIPE(\+[^"]*)"$/m.exec(script);
    expect(k && `${BUILD_RECIPE}${k[1]}`).toBe(KUBEMARK_BUILD_RECIPE);
  });
});
