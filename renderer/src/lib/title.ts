/** Page titles that name the screen and the object (SPEC 19.8): `r3051 failure · etl/load-orders`. */
export function pageTitle(...parts: (string | null | undefined)[]): string {
  return [...parts.filter((p): p is string => p !== null && p !== undefined && p !== ''), 'Apsis'].join(
    ' · ',
  );
}
