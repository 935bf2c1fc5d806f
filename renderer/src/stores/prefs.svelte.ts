/** Operator preferences kept in localStorage: the display time zone (SPEC 19), also carried by the URL (19.8). */
const KEY = 'apsis-zone';

/** `local`, `UTC` or an IANA zone this browser knows. */
export function isZone(zone: string): boolean {
  if (zone === 'local') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export class Prefs {
  zone: string = $state(stored());

  setZone(zone: string): void {
    if (!isZone(zone) || zone === this.zone) return;
    this.zone = zone;
    localStorage.setItem(KEY, zone);
  }
}

function stored(): string {
  const z = localStorage.getItem(KEY);
  return z !== null && isZone(z) ? z : 'local';
}
