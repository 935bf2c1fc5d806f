/** Operator preferences kept in localStorage: the display time zone (SPEC 19). */
const KEY = 'apsis-zone';

export class Prefs {
  zone: string = $state(localStorage.getItem(KEY) ?? 'local');

  setZone(zone: string): void {
    this.zone = zone;
    localStorage.setItem(KEY, zone);
  }
}
