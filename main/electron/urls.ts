/** The URL, or null when `url` does not parse (the navigation and external-link checks share it). */
export function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
