/** stampOf renders a UTC time as `YYYYmmdd_HHMMSS`, the backups' stamp (the pre-harden container's name carries it). */
export function stampOf(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}
