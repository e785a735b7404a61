/** isTruthy implements the scripts' `is_true`: true, 1, yes, on in any case; anything else (empty too) is false. */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(true|1|yes|on)$/i.test(value.trim());
}
