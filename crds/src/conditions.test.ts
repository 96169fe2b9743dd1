import { conditionStatus, findCondition, isConditionTrue } from './conditions';

const conditions = [
  { type: 'Available', status: 'True', reason: 'Ready' },
  { type: 'Paused', status: 'False', reason: 'NotPaused' },
];

describe('conditions', () => {
  it('finds a condition on an object or in a list', () => {
    expect(findCondition({ status: { conditions } }, 'Paused')).toBe(conditions[1]);
    expect(findCondition(conditions, 'Available')).toBe(conditions[0]);
    expect(findCondition({ status: {} }, 'Available')).toBeUndefined();
    expect(findCondition(undefined, 'Available')).toBeUndefined();
    expect(findCondition({ status: null }, 'Available')).toBeUndefined();
  });
  it('True only when reported True', () => {
    expect(isConditionTrue(conditions, 'Available')).toBe(true);
    expect(isConditionTrue(conditions, 'Paused')).toBe(false);
    expect(isConditionTrue(conditions, 'Deleting')).toBe(false);
  });
  it('a status not reported reads Unknown', () => {
    expect(conditionStatus({ status: { conditions } }, 'Paused')).toBe('False');
    expect(conditionStatus({ status: { conditions: [] } }, 'Ready')).toBe('Unknown');
  });
});
