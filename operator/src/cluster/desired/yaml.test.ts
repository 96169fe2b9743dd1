import { parse, stringify } from 'yaml';
import { toYaml, yamlMemoSize } from './yaml';

it('renders exactly what yaml.stringify renders, remembering at most 2048 values', () => {
  const config = { apiVersion: 'k0s.k0sproject.io/v1beta1', spec: { api: { sans: ['10.0.0.1'], port: 30443 } } };
  expect(toYaml(config)).toBe(stringify(config));
  expect(toYaml(structuredClone(config))).toBe(stringify(config)); // an equal value hits the memo
  const other = { ...config, spec: { api: { sans: ['10.0.0.2'], port: 30443 } } };
  expect(parse(toYaml(other)).spec.api.sans).toEqual(['10.0.0.2']);
  for (let i = 0; i < 3000; i++) toYaml({ i });
  expect(yamlMemoSize()).toBe(2048);
  expect(toYaml(config)).toBe(stringify(config)); // evicted, rendered again
});
