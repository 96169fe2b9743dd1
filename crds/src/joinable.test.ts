import { controllerJoinRefusal, controllerJoinStorage, type ControllerJoinStorage } from './joinable';

const where = { namespace: 'team-a', name: 'a' };
const refusal = (storage: ControllerJoinStorage) => controllerJoinRefusal(storage, where);

describe('controllerJoinStorage', () => {
  it('reads the storage of either API version, as the operator generates the k0s config from it', () => {
    expect(controllerJoinStorage(undefined)).toEqual({ type: 'etcd' });
    expect(controllerJoinStorage({})).toEqual({ type: 'etcd' });
    expect(controllerJoinStorage({ storage: { type: 'etcd' } })).toEqual({ type: 'etcd' });
    expect(controllerJoinStorage({ storage: { type: 'kine', kine: { dataSourceURL: 'postgres://u:p@db/kine' } } })).toEqual({
      type: 'kine',
      dataSource: 'postgres://u:p@db/kine',
    });
    expect(controllerJoinStorage({ storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } })).toEqual({ type: 'kine', secretName: 'db' });
    // v1beta1: a kine data source alone meant kine.
    expect(controllerJoinStorage({ kineDataSourceURL: 'mysql://u:p@db/kine' })).toEqual({ type: 'kine', dataSource: 'mysql://u:p@db/kine' });
    expect(controllerJoinStorage({ kineDataSourceSecretName: 'db' })).toEqual({ type: 'kine', secretName: 'db' });
  });
});

describe('controllerJoinRefusal (k0s: StorageSpec.IsJoinable)', () => {
  it('refuses the etcd k0smotron runs beside the controllers (k0s sees an external etcd cluster), and says what to use instead', () => {
    const m = refusal({ type: 'etcd' });
    expect(m).toMatch(/^Cluster team-a\/a cannot take another controller: .*external etcd cluster/);
    expect(m).toContain('k0s refuses a controller join token');
    expect(m).toContain('raise spec.replicas');
    expect(m).toContain('spec.storage.type kine');
    expect(m).toContain('K0SMOTRON_KINE_DATASOURCE_URL');
  });

  it('accepts kine on a shared database', () => {
    for (const ds of [
      'postgres://u:p@db:5432/kine?sslmode=disable',
      'mysql://u:p@tcp(db:3306)/kine',
      'https://etcd:2379',
      'jetstream://',
      'nats://nats:4222?noEmbed',
      'unknown://x',
    ]) {
      expect([ds, refusal({ type: 'kine', dataSource: ds })]).toEqual([ds, undefined]);
    }
  });

  it('refuses kine on SQLite, on an embedded NATS server, and a data source k0s cannot split', () => {
    expect(refusal({ type: 'kine', dataSource: 'sqlite:///var/lib/k0s/db/state.db?mode=rwc&_journal=WAL' })).toContain(
      'spec.storage.kine.dataSourceURL is SQLite',
    );
    expect(refusal({ type: 'kine', dataSource: 'nats://?serverConfig=/etc/nats/nats.conf' })).toContain('NATS embedded in each controller');
    expect(refusal({ type: 'kine', dataSource: 'nats://nats:4222?noEmbedded=1' })).toContain('NATS embedded');
    expect(refusal({ type: 'kine', dataSource: 'sqlite:foobar' })).toContain('is not of the form <backend>://<dsn>');
    expect(refusal({ type: 'kine', dataSource: '' })).toContain('is not of the form');
    expect(refusal({ type: 'kine', dataSource: '://x' })).toContain('is not of the form');
  });

  it('names the Secret, never the data source itself (it carries the password)', () => {
    const m = refusal({ type: 'kine', secretName: 'db', dataSource: 'sqlite://file:/secret-password-path.db' })!;
    expect(m).toContain('the kine data source in Secret db is SQLite');
    expect(m).not.toContain('secret-password-path');
  });

  it('cannot tell for a URL kept in a Secret that was not read', () => {
    expect(refusal({ type: 'kine', secretName: 'db' })).toBeUndefined();
  });
});
