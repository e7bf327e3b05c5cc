/** Kubernetes label selector semantics (metav1.LabelSelector and the map form of Service selectors). */

export interface LabelSelectorView {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { readonly key?: string; readonly operator?: string; readonly values?: readonly string[] }[];
}

/** Whether `labels` satisfy the selector. An empty selector matches everything, as in the API. */
export function selectorMatches(selector: LabelSelectorView, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  // Stryker disable next-line ArrayDeclaration: equivalent for valid objects: In and NotIn need values (the API rejects them without), Exists and DoesNotExist ignore them
  for (const { key = '', operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const ok =
      operator === 'In' ? has && values.includes(labels[key]) :
      operator === 'NotIn' ? !has || !values.includes(labels[key]) :
      operator === 'Exists' ? has :
      operator === 'DoesNotExist' ? !has :
      false;
    if (!ok) return false;
  }
  return true;
}

/** `{a: b, c: d}` → `a=b,c=d`, as kubectl prints selectors. */
export function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '(none)' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

export function formatSelector(selector: LabelSelectorView): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === 'Exists') parts.push(`${key}`);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else parts.push(`${key} ${operator === 'NotIn' ? 'notin' : 'in'} (${values.join(',')})`);
  }
  return parts.length === 0 ? '(everything)' : parts.join(',');
}
