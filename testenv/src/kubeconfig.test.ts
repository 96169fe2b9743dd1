import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { renderKubeconfig } from './kubeconfig';

describe('renderKubeconfig', () => {
  const text = renderKubeconfig({
    server: 'https://127.0.0.1:6443',
    caPem: 'CA PEM\n',
    clientCertPem: 'CERT PEM\n',
    clientKeyPem: 'KEY PEM\n',
    userName: 'admin',
  });

  it('embeds the credentials base64-encoded under one current context', () => {
    const doc = parse(text);
    expect(doc['current-context']).toBe('admin@testenv');
    const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
    expect(b64(doc.clusters[0].cluster['certificate-authority-data'])).toBe('CA PEM\n');
    expect(b64(doc.users[0].user['client-certificate-data'])).toBe('CERT PEM\n');
    expect(b64(doc.users[0].user['client-key-data'])).toBe('KEY PEM\n');
  });

  it('loads in client-node', () => {
    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(kc.getCurrentUser()?.name).toBe('admin');
    expect(kc.getContextObject(kc.currentContext)?.namespace).toBe('default');
  });
});
