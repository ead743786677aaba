// Hands the browser a file the page made or the server sent (a CSV export, a flow's JSON, an audit
// bundle, an .xlsx) to save under `name`. The link is put in the page while clicked (some browsers
// ignore a detached one) and its object URL freed a minute later, once the browser has surely read it.
export function downloadFile(name: string, content: string | Uint8Array<ArrayBuffer>, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
