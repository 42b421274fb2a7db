// No SDK import here: this `isEnabled` only matches by method name (low confidence).
export function showExperimental(settings: { isEnabled(k: string): boolean }) {
  return settings.isEnabled('experimental-ui');
}
