/**
 * Links built from a paper's identifiers. A DOI or arXiv id goes into the URL path with everything but "/"
 * percent-encoded: a real DOI can hold `<`, `>`, `#`, `?`, `;` and spaces (10.1002/(SICI)1097-4636(199706)
 * 35:4<445::AID-JBM5>3.0.CO;2-?), which left as they are would end the path early or break a link in <>.
 */

export function doiUrl(doi: string): string {
  return `https://doi.org/${encodePath(doi.trim())}`;
}

export function arxivUrl(arxivId: string): string {
  return `https://arxiv.org/abs/${encodePath(arxivId.trim())}`;
}

function encodePath(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}
