/**
 * maskUrl shows a webhook URL without what can carry its secret: the user info, the query values
 * and the path (a Slack or Discord hook's path *is* its token), e.g. `https://hooks.slack.com/***`.
 * Text that is not a URL becomes `(invalid URL)`.
 */
export function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(invalid URL)';
  }
  const user = url.username || url.password ? '***@' : '';
  const path = url.pathname && url.pathname !== '/' ? '/***' : '';
  const query = [...url.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=***`).join('&');
  return `${url.protocol}//${user}${url.host}${path}${query ? `?${query}` : ''}`;
}
