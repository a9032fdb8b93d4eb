/** Saves `text` as a file the browser downloads (a blob: URL of this page; nothing leaves the origin). */
export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Downloads the file at `url` (one of this server's download links) under `fileName`, without leaving the page. The
 * link is followed on this page's origin: PUBLIC_URL may name the server differently from the address in use.
 */
export function downloadUrl(url: string, fileName: string): void {
  const { pathname, search } = new URL(url, window.location.href);
  const link = document.createElement('a');
  link.href = `${pathname}${search}`;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
}
