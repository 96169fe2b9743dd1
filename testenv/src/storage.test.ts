import { desiredVolumes, storageClassManifest, volumeName, VOLUME_POOL_LABEL } from './storage';

describe('storage pool', () => {
  it('has a default no-provisioner StorageClass binding immediately', () => {
    const sc = storageClassManifest();
    expect(sc.metadata?.name).toBe('standard');
    expect(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(sc).toMatchObject({ provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' });
  });

  it('numbers hostPath volumes under the volumes dir, continuing from an index', () => {
    const pvs = desiredVolumes('/c/volumes', 18, 3);
    expect(pvs.map(p => p.metadata?.name)).toEqual(['testenv-pv-018', 'testenv-pv-019', 'testenv-pv-020']);
    expect(pvs[0].spec?.hostPath?.path).toBe('/c/volumes/testenv-pv-018');
    expect(pvs[0].spec).toMatchObject({ storageClassName: 'standard', capacity: { storage: '10Gi' }, persistentVolumeReclaimPolicy: 'Retain' });
    expect(pvs[0].metadata?.labels?.[VOLUME_POOL_LABEL]).toBe('true');
    expect(volumeName(7)).toBe('testenv-pv-007');
  });
});
