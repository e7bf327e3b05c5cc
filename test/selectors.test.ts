// lib/validate/policy/selectors.ts: Kubernetes label-selector semantics as the API server applies them
// (metav1.LabelSelector), and the selector and label texts the policy findings print, kubectl's way
// (named after the module so the mutation run tries it first).
import { describe, expect, it } from 'vitest';
import { formatLabels, formatSelector, selectorMatches, type LabelSelectorView } from '../lib/validate/policy/selectors';

const pod = { app: 'web', tier: 'front' };

describe('selectorMatches', () => {
  it('matchLabels: every pair must be present with that value; an empty selector matches everything', () => {
    expect(selectorMatches({}, pod)).toBe(true);
    expect(selectorMatches({ matchLabels: {}, matchExpressions: [] }, {})).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, pod)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web', tier: 'back' } }, pod)).toBe(false);
    expect(selectorMatches({ matchLabels: { missing: '' } }, pod)).toBe(false);
  });

  it('In: the key is present with one of the values', () => {
    const inWeb: LabelSelectorView = { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] };
    expect(selectorMatches(inWeb, pod)).toBe(true);
    expect(selectorMatches(inWeb, { app: 'db' })).toBe(false);
    expect(selectorMatches(inWeb, {})).toBe(false);
  });

  it('NotIn: the key is absent, or present with none of the values', () => {
    const notWeb: LabelSelectorView = { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] };
    expect(selectorMatches(notWeb, pod)).toBe(false);
    expect(selectorMatches(notWeb, { app: 'db' })).toBe(true);
    expect(selectorMatches(notWeb, {})).toBe(true);
  });

  it('Exists and DoesNotExist look at the key only, whatever its value', () => {
    const exists: LabelSelectorView = { matchExpressions: [{ key: 'tier', operator: 'Exists' }] };
    const absent: LabelSelectorView = { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] };
    const labelSets: Record<string, string>[] = [pod, { tier: '' }, { app: 'web' }];
    expect(labelSets.map((labels) => selectorMatches(exists, labels))).toEqual([true, true, false]);
    expect(labelSets.map((labels) => selectorMatches(absent, labels))).toEqual([false, false, true]);
  });

  it('an unknown operator matches nothing; every expression and label must hold', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, pod)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'gpu', operator: 'Gt', values: ['1'] }] }, pod)).toBe(false);
    const both: LabelSelectorView = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }, { key: 'gpu', operator: 'DoesNotExist' }] };
    expect(selectorMatches(both, pod)).toBe(true);
    expect(selectorMatches(both, { ...pod, gpu: 'h100' })).toBe(false);
    expect(selectorMatches(both, { ...pod, app: 'api' })).toBe(false);
  });

  it('a label named like an Object property is not taken for present', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {})).toBe(false);
    // an expression without a key asks for the empty key
    expect(selectorMatches({ matchExpressions: [{ operator: 'Exists' }] }, { '': 'x' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ operator: 'Exists' }] }, pod)).toBe(false);
  });
});

describe('formatLabels and formatSelector', () => {
  it('prints labels as key=value pairs joined by commas, (none) for no labels', () => {
    expect(formatLabels(pod)).toBe('app=web,tier=front');
    expect(formatLabels({})).toBe('(none)');
  });

  it("prints a selector as kubectl does: pairs, then each expression; (everything) when empty", () => {
    expect(formatSelector({})).toBe('(everything)');
    expect(formatSelector({ matchLabels: {}, matchExpressions: [] })).toBe('(everything)');
    expect(
      formatSelector({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['front', 'edge'] },
          { key: 'zone', operator: 'NotIn', values: ['a'] },
          { key: 'gpu', operator: 'Exists' },
          { key: 'spot', operator: 'DoesNotExist' },
          { key: 'empty', operator: 'In' },
        ],
      }),
    ).toBe('app=web,tier in (front,edge),zone notin (a),gpu,!spot,empty in ()');
  });
});
