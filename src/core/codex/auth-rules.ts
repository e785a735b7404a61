/**
 * The app's credential format rules (auto-codex/core/auth.py, app-rules.md §1), reproduced so the
 * healthcheck gives the app's verdict. Each returns the rule a value breaks, or undefined; the rule
 * text never includes the value.
 */

const SK_KEY = /^sk-[A-Za-z0-9-]{20,}$/;

/** tokenRuleBroken: is_valid_openai_api_key / is_valid_codex_oauth_token (same rule): the stripped value is `sk-` + 20 or more of [A-Za-z0-9-], or 20+ characters without whitespace. */
export function tokenRuleBroken(raw: string): string | undefined {
  const value = raw.trim();
  if (SK_KEY.test(value)) return undefined;
  if (value === '') return 'it is blank';
  if (/\s/.test(value)) return 'it contains whitespace (the app accepts `sk-` + 20 or more letters, digits or dashes, or 20+ characters without whitespace)';
  if (value.length < 20) return `it has ${value.length} characters, fewer than the 20 the app requires`;
  return undefined;
}

/** isBlank is the app's "empty after strip". */
export const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';
